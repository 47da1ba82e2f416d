package server

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"atrium/internal/app"
	"atrium/internal/domain"
)

// invitationSwitch signs the browser out (public route) and opens the invitation link
// again, so whoever the invitation is for can continue.
func (s *Server) invitationSwitch(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	if !app.InvitationLinkShape(token) {
		s.fail(w, r, domain.Errorf(domain.ENOTFOUND, "Page not found."))
		return
	}
	if u, signedIn := s.optionalUser(r); signedIn {
		if err := s.app.SignOut(r.Context(), actorOf(r, u)); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/invitations/"+url.PathEscape(token), http.StatusSeeOther)
}
