package server

import (
	"net/http"

	"atrium/internal/domain"
	"atrium/web/pages"
)

// forgotShow renders the form that asks for a link to choose a new password,
// pre-filled with the email of a sign-in under way.
func (s *Server) forgotShow(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, pages.ForgotPassword(pages.ForgotPasswordProps{Email: loginEmail(r)}))
}

// forgotSend asks for the link. The page that follows is the same whether or not
// anyone signs in with the email (app.RequestPasswordReset does the same work either
// way); an email that cannot be anyone's is refused (422) and too many requests are
// answered 429 with Retry-After.
func (s *Server) forgotSend(w http.ResponseWriter, r *http.Request) {
	raw := r.PostFormValue("email")
	email, err := s.app.RequestPasswordReset(r.Context(), raw, clientIP(r))
	switch domain.ErrorCode(err) {
	case "":
		s.render(w, r, http.StatusOK, pages.ForgotPassword(pages.ForgotPasswordProps{Email: email, Sent: true}))
	case domain.EINVALID:
		s.render(w, r, http.StatusUnprocessableEntity, pages.ForgotPassword(pages.ForgotPasswordProps{Email: shownEmail(raw),
			Error: domain.ErrorMessage(err)}))
	case domain.ETOOMANY:
		setRetryAfter(w, err)
		s.render(w, r, http.StatusTooManyRequests, pages.ForgotPassword(pages.ForgotPasswordProps{Email: shownEmail(raw),
			Error: domain.ErrorMessage(err)}))
	default:
		s.fail(w, r, err)
	}
}
