package server

import (
	"net/http"

	"atrium/web/pages"
)

// loginShow renders the email step (or the password step when an email is pending).
// ?next= names a path of this site to return to after signing in.
func (s *Server) loginShow(w http.ResponseWriter, r *http.Request) {
	next := safeReturnPath(r.URL.Query().Get("next"))
	if s.userID(r) != 0 {
		if next == "" {
			next = "/"
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if next != "" {
		s.setLoginNext(w, next)
	}
	email := loginEmail(r)
	if r.URL.Query().Get("change") != "" {
		email = ""
	}
	s.render(w, r, http.StatusOK, pages.Login(pages.LoginProps{Step: "email", Email: email,
		Notice: s.sessions.PopString(r.Context(), "notice")}))
}
