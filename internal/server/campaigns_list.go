package server

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"atrium/internal/domain"
	"atrium/web/pages"
)

// campaignsList is the account's campaigns, newest first, 50 a page (campaigns.view).
func (s *Server) campaignsList(w http.ResponseWriter, r *http.Request) {
	s.renderCampaigns(w, r, http.StatusOK, pages.WorkspaceForm{})
}

func (s *Server) renderCampaigns(w http.ResponseWriter, r *http.Request, status int, form pages.WorkspaceForm) {
	access := currentAccess(r)
	view, err := s.app.Campaigns(r.Context(), accessHandle(r), workspacePage(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.shell(r.Context(), r, "Campaigns · "+access.Account.Name, access.User, &access)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := workspaceBase(access)
	s.render(w, r, status, pages.Campaigns(pages.CampaignsProps{Shell: sh, Base: base, Campaigns: view.Campaigns,
		Pager:     pages.WorkspacePager{Path: base + "/campaigns", Page: view.Page, More: view.More},
		CanCreate: view.CanCreate, Scoped: view.Scoped, Create: form}))
}

// campaignsCreate adds a draft campaign (campaigns.edit) and opens it.
func (s *Server) campaignsCreate(w http.ResponseWriter, r *http.Request) {
	access := currentAccess(r)
	c, err := s.app.CreateCampaign(r.Context(), actor(r), accessHandle(r), r.PostFormValue("name"))
	if err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			s.renderCampaigns(w, r, http.StatusUnprocessableEntity, workspaceForm(r, err, "name"))
			return
		}
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "flash", "Campaign “"+c.Name+"” created as a draft.")
	http.Redirect(w, r, workspaceBase(access)+"/campaigns/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
}

// workspaceBase is the address of the current account ("/a/{slug}").
func workspaceBase(access domain.Access) string { return "/a/" + access.Account.Slug }

// workspacePage is the 1-based ?page=N of a workspace table; anything else is page 1.
func workspacePage(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}

// workspaceID reads a campaign or list id from the URL; anything but a positive number
// is ENOTFOUND, like an id of another account.
func workspaceID(r *http.Request, param string) (int64, error) {
	id, ok := parseID(chi.URLParam(r, param))
	if !ok {
		return 0, domain.Errorf(domain.ENOTFOUND, "Page not found.")
	}
	return id, nil
}

// workspaceForm keeps the submitted values of names and the field error of err.
func workspaceForm(r *http.Request, err error, names ...string) pages.WorkspaceForm {
	f := pages.WorkspaceForm{Values: map[string]string{}, Errors: map[string]string{}}
	for _, n := range names {
		f.Values[n] = r.PostFormValue(n)
	}
	if e, ok := err.(*domain.Error); ok {
		field := e.Field
		if field == "" && len(names) > 0 {
			field = names[0]
		}
		f.Errors[field] = e.Message
	}
	return f
}
