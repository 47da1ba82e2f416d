package server

import (
	"net/http"

	"atrium/internal/app"
)

// logout ends the session: its row is deleted, so a replayed cookie is signed out, and
// the browser gets a fresh session carrying only the "signed out" notice. A browser
// that is not signed in is sent to /login and no session is started for it; a pending
// sign-in is cancelled.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	uid := s.userID(r)
	if uid == 0 {
		if s.sessions.GetString(r.Context(), sessPending) != "" {
			// Cancelling a pending sign-in ends it; no new session is started.
			if err := s.sessions.Destroy(r.Context()); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if u, err := s.app.User(r.Context(), uid); err == nil {
		if err := s.app.SignOut(r.Context(), app.Actor{UserID: u.ID, Email: u.Email, IP: clientIP(r)}); err != nil {
			s.fail(w, r, err)
			return
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
