package server

import (
	"encoding/base64"
	"net/http"
)

// A page that needs its visitor signed in (an invitation for an existing user) sends
// them to /login?next=PATH; the path waits in a short-lived cookie of its own (like the
// email between the sign-in steps, so nothing is stored before sign-in) and sign-in
// completes there instead of at the landing. Only paths of this site are kept (safeNext).
const (
	loginNextCookie = "atrium_login_next"
)

func (s *Server) setLoginNext(w http.ResponseWriter, p string) {
	http.SetCookie(w, &http.Cookie{Name: loginNextCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(p)),
		Path: loginEmailPath, MaxAge: int(loginEmailMaxAge.Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.sessions.Cookie.Secure})
}

func (s *Server) clearLoginNext(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: loginNextCookie, Value: "", Path: loginEmailPath, MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.sessions.Cookie.Secure})
}

// loginNext returns where a sign-in in progress should end ("/" when nowhere was
// asked for), checked again as it is read.
func loginNext(r *http.Request) string {
	if c, err := r.Cookie(loginNextCookie); err == nil {
		if b, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil {
			if p := safeNext(string(b)); p != "" {
				return p
			}
		}
	}
	return "/"
}
