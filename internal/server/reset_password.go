package server

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"atrium/internal/domain"
	"atrium/web/pages"
)

// resetShow renders the form behind a password-reset link; a used, expired or unknown
// link says so and offers a new one.
func (s *Server) resetShow(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	u, err := s.app.ResetTokenUser(r.Context(), token)
	if err != nil {
		s.resetLinkProblem(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.ResetPassword(pages.ResetPasswordProps{Token: token, Email: u.Email}))
}

// resetPassword sets the new password and uses up the link. Nobody is signed in by it:
// every session of the user has ended, this browser's session (of whoever) ends too,
// and the browser goes to /login with the email filled in, where the sign-in runs the
// login policy in full.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token := chi.URLParam(r, "token")
	u, err := s.app.ResetPassword(ctx, token, r.PostFormValue("password"), clientIP(r))
	if err != nil {
		var e *domain.Error
		if errors.As(err, &e) && e.Field == "password" {
			pu, perr := s.app.ResetTokenUser(ctx, token)
			if perr != nil {
				s.resetLinkProblem(w, r, perr)
				return
			}
			s.render(w, r, http.StatusUnprocessableEntity, pages.ResetPassword(pages.ResetPasswordProps{Token: token,
				Email: pu.Email, Error: e.Message}))
			return
		}
		s.resetLinkProblem(w, r, err)
		return
	}
	if s.userID(r) != 0 {
		if err := s.sessions.Destroy(ctx); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.sessions.RenewToken(ctx); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.setLoginEmail(w, u.Email)
	s.sessions.Put(ctx, "notice", "Your new password is saved and every session of yours was signed out. Sign in with the new password.")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// resetLinkProblem explains why a reset link cannot be used and offers a new one.
func (s *Server) resetLinkProblem(w http.ResponseWriter, r *http.Request, err error) {
	if c := domain.ErrorCode(err); c != domain.EINVALID && c != domain.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, ErrorStatus(err), pages.Message(pages.MessageProps{Title: "This link cannot be used",
		Body: domain.ErrorMessage(err), LinkHref: "/login/forgot", LinkText: "Ask for a new link"}))
}
