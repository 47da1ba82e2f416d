package server

import (
	"net/http"

	"atrium/web/pages"
)

// accountHome shows the account's name, organisation, the caller's role and the
// member count (a kept column: no counting on this hot page).
func (s *Server) accountHome(w http.ResponseWriter, r *http.Request) {
	access := currentAccess(r)
	sh, err := s.shell(r.Context(), r, access.Account.Name, access.User, &access)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.AccountHome(pages.AccountHomeProps{Shell: sh, Access: access}))
}
