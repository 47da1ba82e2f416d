package server

import (
	"net/http"
	"strconv"

	"atrium/internal/domain"
	"atrium/web/pages"
)

// campaignShow is one campaign with the controls the caller's permissions allow
// (campaigns.view). Another account's or an out-of-scope campaign is 404.
func (s *Server) campaignShow(w http.ResponseWriter, r *http.Request) {
	s.renderCampaign(w, r, http.StatusOK, pages.WorkspaceForm{}, "")
}

func (s *Server) renderCampaign(w http.ResponseWriter, r *http.Request, status int, form pages.WorkspaceForm, errMsg string) {
	access := currentAccess(r)
	id, err := workspaceID(r, "campaign")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.app.Campaign(r.Context(), accessHandle(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.shell(r.Context(), r, c.Name+" · Campaigns", access.User, &access)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if form.Values == nil {
		form.Values = map[string]string{"name": c.Name}
	}
	s.render(w, r, status, pages.Campaign(pages.CampaignProps{Shell: sh, Base: workspaceBase(access), Campaign: c,
		CanEdit: access.Permissions.Has(domain.PermCampaignsEdit), CanPublish: access.Permissions.Has(domain.PermCampaignsPublish),
		Rename: form, Error: errMsg}))
}

// campaignUpdate renames a campaign (campaigns.edit).
func (s *Server) campaignUpdate(w http.ResponseWriter, r *http.Request) {
	access := currentAccess(r)
	id, err := workspaceID(r, "campaign")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.app.RenameCampaign(r.Context(), actor(r), accessHandle(r), id, r.PostFormValue("name"))
	if err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			s.renderCampaign(w, r, http.StatusUnprocessableEntity, workspaceForm(r, err, "name"), "")
			return
		}
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "flash", "The campaign is now called “"+c.Name+"”.")
	http.Redirect(w, r, workspaceBase(access)+"/campaigns/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
}

// campaignPublish publishes a draft campaign (campaigns.publish); publishing it again
// shows the campaign with a message saying it is already published (409).
func (s *Server) campaignPublish(w http.ResponseWriter, r *http.Request) {
	access := currentAccess(r)
	id, err := workspaceID(r, "campaign")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.app.PublishCampaign(r.Context(), actor(r), accessHandle(r), id)
	if err != nil {
		if domain.ErrorCode(err) == domain.ECONFLICT {
			s.renderCampaign(w, r, http.StatusConflict, pages.WorkspaceForm{}, domain.ErrorMessage(err))
			return
		}
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "flash", "“"+c.Name+"” is published.")
	http.Redirect(w, r, workspaceBase(access)+"/campaigns/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
}
