package server

import (
	"net/http"
	"strings"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/web/pages"
)

// loginEmailStep takes the email step and moves to the first step the login policy
// owes. Unknown emails get the password step too, so nothing is revealed.
func (s *Server) loginEmailStep(w http.ResponseWriter, r *http.Request) {
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
	if len(steps) > 0 && steps[0] == policy.StepSSO {
		s.render(w, r, http.StatusOK, pages.Login(pages.LoginProps{Step: "email", Email: email,
			Error: domain.ErrorMessage(app.ErrSSOOnly)}))
		return
	}
	s.setLoginEmail(w, email)
	http.Redirect(w, r, "/login/password", http.StatusSeeOther)
}
