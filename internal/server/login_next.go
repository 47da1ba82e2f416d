package server

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// A page that needs its visitor signed in (an invitation for an existing user) sends
// them to /login?next=PATH; the path waits in a short-lived cookie of its own (like the
// email between the sign-in steps, so nothing is stored before sign-in) and sign-in
// completes there instead of at the landing. Only paths of this site are kept.
const (
	loginNextCookie = "atrium_login_next"
	loginNextMax    = 512
)

// safeReturnPath returns p when it is a path on this site, and "" otherwise: it must
// start with one "/" (not "//" or "/\", which browsers read as another host), carry
// no scheme, host, backslash or control character, and stay short.
func safeReturnPath(p string) string {
	if p == "" || len(p) > loginNextMax || p[0] != '/' || strings.HasPrefix(p, "//") {
		return ""
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return ""
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	return p
}

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
			if p := safeReturnPath(string(b)); p != "" {
				return p
			}
		}
	}
	return "/"
}
