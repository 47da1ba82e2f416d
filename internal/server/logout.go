package server

import (
	"net/http"

	"atrium/internal/app"
)

// logout ends the session: its row is deleted, so a replayed cookie is signed out.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if uid := s.userID(r); uid != 0 {
		if u, err := s.app.User(r.Context(), uid); err == nil {
			if err := s.app.SignOut(r.Context(), app.Actor{UserID: u.ID, Email: u.Email, IP: clientIP(r)}); err != nil {
				s.fail(w, r, err)
				return
			}
		}
	}
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "notice", "You have signed out.")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
