package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"atrium/internal/domain"
)

// profileEndSession signs one of the user's other sessions out.
func (s *Server) profileEndSession(w http.ResponseWriter, r *http.Request) {
	id, ok := parseID(chi.URLParam(r, "session"))
	if !ok {
		s.fail(w, r, domain.Errorf(domain.ENOTFOUND, "Page not found."))
		return
	}
	if err := s.app.EndSession(r.Context(), actor(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "flash", "That session is signed out.")
	http.Redirect(w, r, "/profile#sessions", http.StatusSeeOther)
}

// profileEndOtherSessions signs out every session of the user but this one.
func (s *Server) profileEndOtherSessions(w http.ResponseWriter, r *http.Request) {
	n, err := s.app.EndOtherSessions(r.Context(), actor(r), s.sessions.Token(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "No other session was open."
	if n > 0 {
		msg = "Signed out " + plural(n, "other session.", "other sessions.")
	}
	s.sessions.Put(r.Context(), "flash", msg)
	http.Redirect(w, r, "/profile#sessions", http.StatusSeeOther)
}
