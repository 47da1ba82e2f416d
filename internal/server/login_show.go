package server

import (
	"net/http"

	"atrium/internal/policy"
	"atrium/web/pages"
)

// loginShow renders the email step (or the password step when an email is pending), or
// sends a sign-in under way to its step. ?next= names a path of this site to return to
// after signing in.
func (s *Server) loginShow(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
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
	} else if p, ok := s.pendingOf(r); ok {
		// A sign-in under way goes on where it is.
		if steps := p.State.Owed(p.Proof); len(steps) > 0 {
			switch steps[0].Kind {
			case policy.StepTOTP:
				http.Redirect(w, r, "/login/two-factor", http.StatusSeeOther)
				return
			case policy.StepTOTPEnrol:
				http.Redirect(w, r, "/login/two-factor/setup", http.StatusSeeOther)
				return
			}
		}
	}
	s.render(w, r, http.StatusOK, pages.Login(pages.LoginProps{Step: "email", Email: email,
		Notice: s.sessions.PopString(r.Context(), "notice")}))
}
