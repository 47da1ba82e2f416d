package server

import (
	"net/http"
	"strings"

	"atrium/internal/app"
	"atrium/internal/policy"
	"atrium/web/pages"
)

// loginEmail takes the email step and moves to the first step the login policy owes.
// Unknown emails get the password step too, so nothing is revealed.
func (s *Server) loginEmail(w http.ResponseWriter, r *http.Request) {
	email := app.NormaliseEmail(r.PostFormValue("email"))
	if email == "" || !strings.Contains(email, "@") || len(email) > 254 {
		s.render(w, r, http.StatusUnprocessableEntity, pages.Login(pages.LoginProps{Step: "email", Email: email,
			Error: "Enter the email address you sign in with."}))
		return
	}
	steps, err := s.app.SignInSteps(r.Context(), email, policy.Proof{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessLoginEmail, email)
	if len(steps) > 0 && steps[0] != policy.StepPassword {
		s.render(w, r, http.StatusOK, pages.Login(pages.LoginProps{Step: "email", Email: email,
			Error: "Your organisation signs you in through single sign-on, which is not set up on this server yet."}))
		return
	}
	http.Redirect(w, r, "/login/password", http.StatusSeeOther)
}
