package server

import (
	"net/http"
	"strings"
	"unicode"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/web/pages"
)

// emailRefused re-shows the email step, 422, for an email app.CheckSignInEmail refused:
// with its message and what was typed, less what cannot be shown (bytes that are not
// UTF-8, control characters) and less all of it when it is far too long to edit.
func (s *Server) emailRefused(w http.ResponseWriter, r *http.Request, raw string, err error) {
	s.render(w, r, http.StatusUnprocessableEntity, pages.Login(pages.LoginProps{Step: "email", Email: shownEmail(raw),
		Error: domain.ErrorMessage(err)}))
}

// shownEmail is a refused email as a form shows it back: what was typed, less what
// cannot be shown (bytes that are not UTF-8, control characters) and less all of it
// when it is far too long to edit.
func shownEmail(raw string) string {
	shown := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(raw, ""))
	if len(shown) > 2*app.MaxEmailLen {
		return ""
	}
	return shown
}

// loginEmailStep takes the email step and moves to the first step the login policy
// owes. Unknown emails get the password step too, so nothing is revealed. What is not
// an email address (app.LoginEmail) is refused first, with 422.
func (s *Server) loginEmailStep(w http.ResponseWriter, r *http.Request) {
	raw := r.PostFormValue("email")
	st, err := s.app.SignInStateFor(r.Context(), raw)
	if err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			s.emailRefused(w, r, raw, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	email := app.NormaliseEmail(raw)
	if steps := st.Owed(policy.Proof{}); len(steps) > 0 && steps[0].Kind == policy.StepSSO {
		// Sent to the identity provider: the sign-in is pending until it answers. The
		// round trip starts at once (as GET /login/sso would), in this request.
		next := loginNext(r)
		s.clearLoginNext(w)
		dest, err := s.advance(r, st, policy.Proof{}, next, false)
		if err != nil {
			s.signInFailed(w, r, err)
			return
		}
		if dest == "/login/sso" {
			s.loginSSO(w, r)
			return
		}
		http.Redirect(w, r, dest, http.StatusSeeOther)
		return
	}
	s.setLoginEmail(w, email)
	http.Redirect(w, r, "/login/password", http.StatusSeeOther)
}
