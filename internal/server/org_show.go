package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"atrium/internal/domain"
	"atrium/web/pages"
)

// orgShow is the organisation page: only its owners see it (others get 404).
func (s *Server) orgShow(w http.ResponseWriter, r *http.Request) {
	s.renderOrg(w, r, http.StatusOK, "", "")
}

func (s *Server) renderOrg(w http.ResponseWriter, r *http.Request, status int, nameValue, nameErr string) {
	u := currentUser(r)
	view, err := s.app.Organisation(r.Context(), u.ID, chi.URLParam(r, "org"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.shell(r.Context(), r, view.Organisation.Name, u, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if nameValue == "" {
		nameValue = view.Organisation.Name
	}
	s.render(w, r, status, pages.Org(pages.OrgProps{Shell: sh, Organisation: view.Organisation, Accounts: view.Accounts,
		NameValue: nameValue, NameError: nameErr}))
}

// orgRename renames the organisation (owners only).
func (s *Server) orgRename(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("name")
	o, err := s.app.RenameOrganisation(r.Context(), actor(r), chi.URLParam(r, "org"), name)
	if err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			s.renderOrg(w, r, http.StatusUnprocessableEntity, name, domain.ErrorMessage(err))
			return
		}
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "flash", "The organisation is now called "+o.Name+".")
	http.Redirect(w, r, "/org/"+o.Slug+"/", http.StatusSeeOther)
}
