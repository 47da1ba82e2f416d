package server

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/web/pages"
)

// Session keys carrying a new user's one-time set-password link to their page.
const (
	orgUsersLinkKey     = "orgusers_link"
	orgUsersLinkUserKey = "orgusers_link_user"
)

// orgUsersList is the organisation's Users page (owners only; others get 404):
// ?q= searches by name or email, ?page= pages by 50.
func (s *Server) orgUsersList(w http.ResponseWriter, r *http.Request) {
	s.renderOrgUsers(w, r, http.StatusOK, pages.OrgUserCreateForm{})
}

func (s *Server) renderOrgUsers(w http.ResponseWriter, r *http.Request, status int, form pages.OrgUserCreateForm) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	view, err := s.app.OrgUsers(r.Context(), actor(r), chi.URLParam(r, "org"), q.Get("q"), page)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.shell(r.Context(), r, "Users · "+view.Organisation.Name, currentUser(r), nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, pages.OrgUsers(pages.OrgUsersProps{Shell: sh, Organisation: view.Organisation, Users: view.Users,
		Query: view.Query, Page: view.Page, More: view.More, Create: form}))
}

// orgUsersCreate creates a user and lists them in the organisation, then opens their
// page with their one-time set-password link. An email already in use re-renders the
// form (422) saying "Sorry, that user already exists": a user listed here can be
// opened; anyone else is not added (they join by accepting an invitation).
func (s *Server) orgUsersCreate(w http.ResponseWriter, r *http.Request) {
	slug := chi.URLParam(r, "org")
	res, err := s.app.CreateOrgUser(r.Context(), actor(r), slug, r.PostFormValue("email"), r.PostFormValue("full_name"))
	if err != nil {
		e, ok := err.(*domain.Error)
		if !ok || e.Field == "" {
			setRetryAfter(w, err) // too many "already exists" answers
			s.fail(w, r, err)
			return
		}
		form := pages.OrgUserCreateForm{Open: true, FullName: r.PostFormValue("full_name"), Email: r.PostFormValue("email"),
			Existing: res.Existing, InOrganisation: res.InOrganisation}
		switch {
		case e.Field == "full_name":
			form.FullNameError = e.Message
		case res.Existing == nil: // an existing user is explained above the form
			form.EmailError = e.Message
		}
		s.renderOrgUsers(w, r, http.StatusUnprocessableEntity, form)
		return
	}
	s.handOverOrgUserLink(r, res.Invited)
	s.sessions.Put(r.Context(), "flash", res.User.FullName+" ("+res.User.Email+") was created. Give them access to accounts below.")
	http.Redirect(w, r, "/org/"+slug+"/users/"+strconv.FormatInt(res.User.ID, 10), http.StatusSeeOther)
}

// handOverOrgUserLink keeps a new user's set-password link for their page, once.
func (s *Server) handOverOrgUserLink(r *http.Request, inv app.Invited) {
	if inv.Created {
		s.sessions.Put(r.Context(), orgUsersLinkKey, inv.SetPasswordLink)
		s.sessions.Put(r.Context(), orgUsersLinkUserKey, strconv.FormatInt(inv.User.ID, 10))
	}
}
