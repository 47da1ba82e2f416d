package server

import (
	"net/http"

	"atrium/internal/app"
	"atrium/web/pages"
)

// accountsList is the plain list of accounts the user can enter, searchable. With
// ?fragment=1 it returns only the list, for the switcher's live search.
func (s *Server) accountsList(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	q, err := app.CleanQuery("q", r.URL.Query().Get("q"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	limit := 200
	if r.URL.Query().Get("fragment") != "" {
		limit = switcherLimit
	}
	entries, err := s.app.Entries(r.Context(), u, q, limit+1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	more := len(entries) > limit
	if more {
		entries = entries[:limit]
	}
	sw := switcherProps(entries, u.FavouriteAccountID, q)
	sw.More = more
	if r.URL.Query().Get("fragment") != "" {
		s.render(w, r, http.StatusOK, pages.AccountsFragment(pages.AccountsProps{Switcher: sw}))
		return
	}
	sh, err := s.shell(r.Context(), r, "Your accounts", u, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.Accounts(pages.AccountsProps{Shell: sh, Switcher: sw}))
}
