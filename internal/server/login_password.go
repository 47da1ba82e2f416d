package server

import (
	"errors"
	"net/http"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/policy"
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
// goes on through the login policy (continueSignIn): signed in and landed (or taken to
// the page that sent them to sign in), or on to the next step the policy owes; failure
// says only that the email and password do not match. An email that cannot be anyone's
// goes back to the email step (422) before any hashing.
func (s *Server) loginPassword(w http.ResponseWriter, r *http.Request) {
	raw := r.PostFormValue("email")
	email := app.NormaliseEmail(raw)
	if email == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	st, err := s.app.PasswordSignIn(r.Context(), raw, r.PostFormValue("password"), clientIP(r))
	if err != nil {
		var e *domain.Error
		s.countSignIn(signInOutcome(err))
		switch domain.ErrorCode(err) {
		case domain.EINVALID:
			if errors.As(err, &e) && e.Field == "email" {
				s.emailRefused(w, r, raw, err)
				return
			}
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
	next := loginNext(r)
	s.clearLoginEmail(w)
	s.clearLoginNext(w)
	s.continueSignIn(w, r, st, policy.Proof{Method: policy.MethodPassword, At: s.now()}, next, true)
}
