package server

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"atrium/internal/domain"
)

// staffRetryMail puts a failed email back in the queue.
func (s *Server) staffRetryMail(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id < 1 {
		s.fail(w, r, domain.Errorf(domain.ENOTFOUND, "Page not found."))
		return
	}
	m, err := s.app.RetryMail(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "flash", "The email to "+m.To+" is queued again.")
	http.Redirect(w, r, "/staff/", http.StatusSeeOther)
}
