package server

import (
	"net/http"
	"net/url"
	"strconv"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/web"
	"atrium/web/pages"
)

// accountsList is the plain list of accounts the user can enter, searchable (?q=) and
// in pages (?after=, the account the page starts after). With ?fragment=1 it returns
// only the list, for the switcher: its first page, or a search's.
func (s *Server) accountsList(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	q, err := app.CleanQuery("q", r.URL.Query().Get("q"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	after, err := entriesAfter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.app.Entries(r.Context(), u, q, after)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sw := switcherProps(page, u.FavouriteAccountID, q)
	if r.URL.Query().Get("fragment") != "" {
		s.render(w, r, http.StatusOK, pages.AccountsFragment(pages.AccountsProps{Switcher: sw}))
		return
	}
	sw.Next = nextEntriesPage("/accounts", q, page)
	sh, err := s.shell(r.Context(), r, "Your accounts", u, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.Accounts(pages.AccountsProps{Shell: sh, Switcher: sw, First: firstEntriesPage("/accounts", q, after)}))
}

// switcherProps builds the switcher's list from one page of entries.
func switcherProps(page domain.EntryPage, favouriteID int64, query string) web.SwitcherProps {
	return web.SwitcherProps{Recent: page.Recent, Groups: web.GroupEntries(page.Entries), More: page.More,
		Query: query, FavouriteID: favouriteID}
}

// entriesAfter reads ?after=, the account a page of the user's accounts starts after:
// absent for the first page, otherwise an id (ENOTFOUND when not one).
func entriesAfter(r *http.Request) (int64, error) {
	v, ok := r.URL.Query()["after"]
	if !ok {
		return 0, nil
	}
	id, ok := parseID(v[0])
	if !ok || len(v) > 1 {
		return 0, domain.Errorf(domain.ENOTFOUND, "Page not found.")
	}
	return id, nil
}

// firstEntriesPage is the link back to the first page at path, keeping the search; ""
// on the first page itself.
func firstEntriesPage(path, query string, after int64) string {
	switch {
	case after == 0:
		return ""
	case query != "":
		return path + "?" + url.Values{"q": {query}}.Encode()
	}
	return path
}

// nextEntriesPage is the link to the page after page at path, keeping the search; ""
// when page is the last.
func nextEntriesPage(path, query string, page domain.EntryPage) string {
	if !page.More {
		return ""
	}
	v := url.Values{"after": {strconv.FormatInt(page.After, 10)}}
	if query != "" {
		v.Set("q", query)
	}
	return path + "?" + v.Encode()
}
