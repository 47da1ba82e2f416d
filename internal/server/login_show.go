package server

import (
	"net/http"

	"atrium/web/pages"
)

// loginShow renders the email step (or the password step when an email is pending).
func (s *Server) loginShow(w http.ResponseWriter, r *http.Request) {
	if s.userID(r) != 0 {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	email := loginEmail(r)
	if r.URL.Query().Get("change") != "" {
		email = ""
	}
	s.render(w, r, http.StatusOK, pages.Login(pages.LoginProps{Step: "email", Email: email,
		Notice: s.sessions.PopString(r.Context(), "notice")}))
}
