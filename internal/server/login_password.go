package server

import (
	"net/http"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/web/pages"
)

// loginPasswordShow renders the password step for the email given in the first step.
func (s *Server) loginPasswordShow(w http.ResponseWriter, r *http.Request) {
	email := loginEmail(r)
	if email == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, pages.Login(pages.LoginProps{Step: "password", Email: email}))
}

// loginPassword checks the email and password of the password step's form. Success
// renews the session token and lands the user; failure says only that the email and
// password do not match. An email that is not an address goes back to the email step
// (422), and a password no user can have is refused (422), both before anything else.
func (s *Server) loginPassword(w http.ResponseWriter, r *http.Request) {
	raw := r.PostFormValue("email")
	if raw == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	email, err := app.LoginEmail("email", raw)
	if err != nil {
		s.render(w, r, http.StatusUnprocessableEntity, pages.Login(pages.LoginProps{Step: "email",
			Error: "Enter the email address you sign in with."}))
		return
	}
	u, err := s.app.PasswordSignIn(r.Context(), email, r.PostFormValue("password"), clientIP(r))
	if err != nil {
		switch domain.ErrorCode(err) {
		case domain.EINVALID:
			s.render(w, r, http.StatusUnprocessableEntity, pages.Login(pages.LoginProps{Step: "password", Email: email,
				Error: domain.ErrorMessage(err)}))
		case domain.EUNAUTHORISED:
			s.render(w, r, http.StatusUnauthorized, pages.Login(pages.LoginProps{Step: "password", Email: email,
				Error: domain.ErrorMessage(err)}))
		case domain.ETOOMANY:
			setRetryAfter(w, err)
			s.render(w, r, http.StatusTooManyRequests, pages.Login(pages.LoginProps{Step: "password", Email: email,
				Error: domain.ErrorMessage(err)}))
		case domain.EFORBIDDEN:
			s.render(w, r, http.StatusForbidden, pages.Login(pages.LoginProps{Step: "email", Email: email,
				Error: domain.ErrorMessage(err)}))
		default:
			s.fail(w, r, err)
		}
		return
	}
	if err := s.signIn(r, u, "password", "Password"); err != nil {
		s.fail(w, r, err)
		return
	}
	s.clearLoginEmail(w)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
