package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/web/pages"
)

// Linking an identity to an existing user: the first sign-in through a connection
// asks the user to confirm, once, with their password or an emailed link.

// ssoLinkShow asks to confirm the pending link.
func (s *Server) ssoLinkShow(w http.ResponseWriter, r *http.Request) {
	l, ok := s.linkOf(r)
	if !ok {
		s.pendingGone(w, r, "")
		return
	}
	s.renderLink(w, r, http.StatusOK, l, "")
}

func (s *Server) renderLink(w http.ResponseWriter, r *http.Request, status int, l pendingLink, passwordError string) {
	u, err := s.app.User(r.Context(), l.Identity.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, pages.SSOLink(pages.SSOLinkProps{Connection: l.Connection, ProviderEmail: l.Identity.Email,
		UserEmail: u.Email, HasPassword: l.HasPassword, PasswordError: passwordError}))
}

// ssoLink confirms the pending link with the user's password, then goes on with what
// the round trip was for.
func (s *Server) ssoLink(w http.ResponseWriter, r *http.Request) {
	l, ok := s.linkOf(r)
	if !ok {
		s.pendingGone(w, r, "")
		return
	}
	err := s.app.ConfirmSSOLink(r.Context(), l.Identity, r.PostFormValue("password"), clientIP(r))
	if err != nil {
		switch domain.ErrorCode(err) {
		case domain.EINVALID:
			s.renderLink(w, r, http.StatusUnprocessableEntity, l, domain.ErrorMessage(err))
		case domain.ETOOMANY:
			setRetryAfter(w, err)
			s.renderLink(w, r, http.StatusTooManyRequests, l, domain.ErrorMessage(err))
		default:
			s.ssoRefused(w, r, err)
		}
		return
	}
	s.sessions.Remove(r.Context(), sessLink)
	id := l.Identity.ConnectionID
	switch l.Purpose {
	case app.FlowSignIn:
		p, ok := s.pendingOf(r)
		if !ok {
			s.pendingGone(w, r, "")
			return
		}
		s.continueSignIn(w, r, p.State, policy.Proof{Method: policy.MethodSSO, ConnectionID: id, At: s.now()}, p.Next, false)
	default:
		u, ok := s.optionalUser(r)
		if !ok {
			s.toLogin(w, r)
			return
		}
		s.provedThrough(w, r, u, l.Purpose, id, l.Next)
	}
}

// ssoLinkEmail emails a link that confirms the pending link instead of the password.
func (s *Server) ssoLinkEmail(w http.ResponseWriter, r *http.Request) {
	l, ok := s.linkOf(r)
	if !ok {
		s.pendingGone(w, r, "")
		return
	}
	if err := s.app.EmailSSOLink(r.Context(), l.Identity); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.app.User(r.Context(), l.Identity.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.Message(pages.MessageProps{Title: "Check your email",
		Body:     "We sent a link to " + u.Email + ". Open it to link your " + l.Connection + " sign-in, then sign in again. It works for 30 minutes.",
		LinkHref: "/login", LinkText: "Back to sign-in"}))
}

// ssoLinkTokenShow shows what an emailed link would link.
func (s *Server) ssoLinkTokenShow(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	v, err := s.app.SSOLinkByToken(r.Context(), token)
	if err != nil {
		s.linkTokenProblem(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.SSOLinkConfirm(pages.SSOLinkConfirmProps{Action: "/sso/link/" + token,
		Connection: v.ConnectionName, ProviderEmail: v.Email, UserEmail: v.UserEmail}))
}

// ssoLinkToken uses an emailed link: the identity is linked; nobody is signed in.
func (s *Server) ssoLinkToken(w http.ResponseWriter, r *http.Request) {
	if _, err := s.app.ConfirmSSOLinkByToken(r.Context(), chi.URLParam(r, "token"), clientIP(r)); err != nil {
		s.linkTokenProblem(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.Message(pages.MessageProps{Title: "Sign-in linked",
		Body: "Your single sign-on identity is linked to your Atrium user. Sign in again to continue.", LinkHref: "/login", LinkText: "Sign in"}))
}

func (s *Server) linkTokenProblem(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusBadRequest
	switch domain.ErrorCode(err) {
	case domain.ENOTFOUND:
		status = http.StatusNotFound
	case domain.EINVALID:
		status = http.StatusGone
	case domain.EFORBIDDEN:
		status = http.StatusForbidden
	default:
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, pages.Message(pages.MessageProps{Title: "This link cannot be used", Body: domain.ErrorMessage(err),
		LinkHref: "/login", LinkText: "Go to sign-in"}))
}
