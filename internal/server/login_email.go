package server

import (
	"net/http"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/web/pages"
)

// loginEmailStep takes the email step and moves to the first step the login policy
// owes. Unknown emails get the password step too, so nothing is revealed. What is not
// an email address (app.LoginEmail) is refused first, with 422.
func (s *Server) loginEmailStep(w http.ResponseWriter, r *http.Request) {
	email, err := app.LoginEmail("email", r.PostFormValue("email"))
	if err != nil {
		s.render(w, r, http.StatusUnprocessableEntity, pages.Login(pages.LoginProps{Step: "email",
			Error: "Enter the email address you sign in with."}))
		return
	}
	steps, err := s.app.SignInSteps(r.Context(), email, policy.Proof{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(steps) > 0 && steps[0] == policy.StepSSO {
		s.render(w, r, http.StatusOK, pages.Login(pages.LoginProps{Step: "email", Email: email,
			Error: domain.ErrorMessage(app.ErrSSOOnly)}))
		return
	}
	s.setLoginEmail(w, email)
	http.Redirect(w, r, "/login/password", http.StatusSeeOther)
}
