package server

import (
	"net/http"
)

// accountLeave ends the caller's own membership of the account (any member but the
// owner: account.view) and returns to their profile.
func (s *Server) accountLeave(w http.ResponseWriter, r *http.Request) {
	acc, err := s.app.LeaveAccount(r.Context(), actor(r), accessHandle(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "flash", "You left "+acc.Name+". To come back, ask someone who manages its members to invite you again.")
	http.Redirect(w, r, "/profile", http.StatusSeeOther)
}
