package server

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"atrium/internal/domain"
)

const keyOrg ctxKey = 100

// requireOrgOwner resolves the organisation in the URL for one of its owners; everyone
// else gets 404, so organisations reveal nothing to outsiders.
func (s *Server) requireOrgOwner(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, err := s.app.OwnedOrganisation(r.Context(), currentUser(r).ID, chi.URLParam(r, "org"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyOrg, o)))
	})
}

// currentOrg returns the organisation loaded by requireOrgOwner.
func currentOrg(r *http.Request) domain.Organisation {
	o, _ := r.Context().Value(keyOrg).(domain.Organisation)
	return o
}
