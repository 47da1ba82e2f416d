package server

import (
	"net/http"

	"atrium/web/pages"
)

// profileLimit bounds the account table on the profile; the rest is searchable.
const profileLimit = 200

// profileShow renders the user's profile: details, name, email and password forms, sessions,
// and accounts with the favourite star.
func (s *Server) profileShow(w http.ResponseWriter, r *http.Request) {
	s.renderProfile(w, r, http.StatusOK, pages.ProfileProps{})
}

// renderProfile fills in the profile's lists around p (which may carry a refused
// form) and renders it with status.
func (s *Server) renderProfile(w http.ResponseWriter, r *http.Request, status int, p pages.ProfileProps) {
	u := currentUser(r)
	accounts, err := s.app.ProfileAccounts(r.Context(), u, profileLimit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Entries, p.More, p.Total, p.LandsIn = accounts.Entries, accounts.More, accounts.Total, accounts.LandsIn
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
