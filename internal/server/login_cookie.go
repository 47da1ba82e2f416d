package server

import (
	"encoding/base64"
	"net/http"
	"time"

	"atrium/internal/textin"
)

// The email typed in the first sign-in step travels to the second in a short-lived
// cookie of its own rather than in a session: nobody gets a session row before they
// have signed in, so the email step writes nothing to the database. The cookie only
// pre-fills forms; the password step reads the email from its own form and the login
// policy is applied to that email again there.
const (
	loginEmailCookie = "atrium_login_email"
	loginEmailPath   = "/login"
	loginEmailMaxAge = 15 * time.Minute
)

func (s *Server) setLoginEmail(w http.ResponseWriter, email string) {
	http.SetCookie(w, &http.Cookie{Name: loginEmailCookie, Value: encodeLoginEmail(email),
		Path: loginEmailPath, MaxAge: int(loginEmailMaxAge.Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.sessions.Cookie.Secure})
}

func (s *Server) clearLoginEmail(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: loginEmailCookie, Value: "", Path: loginEmailPath, MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.sessions.Cookie.Secure})
}

// loginEmail returns the email pending between the sign-in steps, or "".
func loginEmail(r *http.Request) string {
	c, err := r.Cookie(loginEmailCookie)
	if err != nil {
		return ""
	}
	return decodeLoginEmail(c.Value)
}

func encodeLoginEmail(email string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(email))
}

// decodeLoginEmail reads the cookie's value: an email address exactly as the email
// step accepted it, or "" for anything else (the cookie comes from the browser).
func decodeLoginEmail(v string) string {
	if len(v) > base64.RawURLEncoding.EncodedLen(textin.MaxEmailLen) {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return ""
	}
	email, err := textin.Email(string(b))
	if err != nil || email != string(b) {
		return ""
	}
	return email
}
