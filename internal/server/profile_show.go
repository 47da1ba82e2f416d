package server

import (
	"net/http"

	"atrium/web/pages"
)

// profileShow renders the user's profile: details, name, email and password forms,
// sessions, and one page of their accounts with the favourite star (?q= searches them,
// ?after= pages them).
func (s *Server) profileShow(w http.ResponseWriter, r *http.Request) {
	s.renderProfile(w, r, http.StatusOK, pages.ProfileProps{})
}

// renderProfile fills in the profile's lists around p (which may carry a refused
// form) and renders it with status.
func (s *Server) renderProfile(w http.ResponseWriter, r *http.Request, status int, p pages.ProfileProps) {
	u := currentUser(r)
	after, err := entriesAfter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Query = r.URL.Query().Get("q")
	accounts, err := s.app.ProfileAccounts(r.Context(), u, p.Query, after)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Accounts, p.LandsIn = accounts.EntryPage, accounts.LandsIn
	p.Next = nextEntriesPage("/profile", p.Query, accounts.EntryPage)
	p.First = firstEntriesPage("/profile", p.Query, after)
	if p.Next != "" {
		p.Next += "#accounts"
	}
	if p.First != "" {
		p.First += "#accounts"
	}
	if p.Sessions, err = s.app.Sessions(r.Context(), u, s.sessions.Token(r.Context())); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.EmailChange, err = s.emailChangeProps(r, p.EmailChange); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Shell, err = s.shell(r.Context(), r, "Your profile", u, nil); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, pages.Profile(p))
}
