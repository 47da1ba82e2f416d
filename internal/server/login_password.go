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
// renews the session token and lands the user (or takes them to the page that sent
// them to sign in); failure says only that the email and password do not match.
func (s *Server) loginPassword(w http.ResponseWriter, r *http.Request) {
	email := app.NormaliseEmail(r.PostFormValue("email"))
	if email == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	u, err := s.app.PasswordSignIn(r.Context(), email, r.PostFormValue("password"), clientIP(r))
	if err != nil {
		switch domain.ErrorCode(err) {
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
	s.completeSignIn(w, r, u, "password", "Password", loginNext(r))
}
