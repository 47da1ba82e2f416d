package server

import (
	"net/http"
	"time"

	"atrium/internal/app"
)

// authAt is when this session last proved who its user is (the sign-in, recorded
// under sessAuthAt); zero when it does not say.
func (s *Server) authAt(r *http.Request) time.Time {
	at := s.sessions.GetInt64(r.Context(), sessAuthAt)
	if at == 0 {
		return time.Time{}
	}
	return time.Unix(at, 0)
}

// recentlyAuthenticated reports whether this session proved its user within
// app.ReauthWindow, so a sensitive form (email, 2FA) need not ask for the password.
func (s *Server) recentlyAuthenticated(r *http.Request) bool {
	return s.app.RecentlyAuthenticated(s.authAt(r))
}

// reauth is the re-authentication a sensitive form offers the app: the current
// password typed into field ("" when left out) and when this session last proved its
// user. The app decides whether that suffices.
func (s *Server) reauth(r *http.Request, field string) app.Reauth {
	return app.Reauth{Password: r.PostFormValue(field), AuthAt: s.authAt(r)}
}
