package server

import (
	"net/http"

	"atrium/internal/policy"
	"atrium/web/pages"
)

// profileLimit bounds the account table on the profile; the rest is searchable.
const profileLimit = 200

// profileShow renders the user's profile: details, name and password forms, sessions,
// and accounts with the favourite star.
func (s *Server) profileShow(w http.ResponseWriter, r *http.Request) {
	s.renderProfile(w, r, http.StatusOK, pages.ProfileProps{})
}

// renderProfile fills in the profile's lists around p (which may carry a refused
// form) and renders it with status.
func (s *Server) renderProfile(w http.ResponseWriter, r *http.Request, status int, p pages.ProfileProps) {
	u := currentUser(r)
	entries, err := s.app.Entries(r.Context(), u, "", profileLimit+1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Entries, p.Total = entries, len(entries)
	if land := policy.Land(entries, u.FavouriteAccountID); !land.None && land.Entry.AccountID != u.FavouriteAccountID {
		p.LandsIn = land.Entry.AccountName
	}
	if len(entries) > profileLimit {
		p.Entries, p.More = entries[:profileLimit], true
		if p.Total, err = s.app.CountEntries(r.Context(), u.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if p.Sessions, err = s.app.Sessions(r.Context(), u, s.sessions.Token(r.Context())); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Shell, err = s.shell(r.Context(), r, "Your profile", u, nil); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, pages.Profile(p))
}
