package server

import (
	"errors"
	"net/http"

	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/web/pages"
)

// profileEmail asks to change the user's sign-in email: a confirmation link goes to
// the new address and a notice to the current one. The current password is needed
// unless this session signed in within app.ReauthWindow.
func (s *Server) profileEmail(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	email, err := s.app.RequestEmailChange(r.Context(), actor(r), r.PostFormValue("new_email"), s.reauth(r, "email_current_password"))
	if err != nil {
		s.profileEmailRefused(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "flash", "We sent a link to "+email+". Open it within 24 hours to start signing in with that "+
		"address; until then you sign in with "+u.Email+". We told "+u.Email+" too.")
	http.Redirect(w, r, "/profile", http.StatusSeeOther)
}

// profileEmailRefused re-renders the profile with the email form's error: 422 for a
// field, 429 (with Retry-After) when too many changes were asked for.
func (s *Server) profileEmailRefused(w http.ResponseWriter, r *http.Request, err error) {
	var e *domain.Error
	if !errors.As(err, &e) || (e.Field == "" && e.Code != domain.ETOOMANY) {
		s.fail(w, r, err)
		return
	}
	p := pages.ProfileProps{Errors: map[string]string{}}
	p.EmailChange.Value = shownEmail(r.PostFormValue("new_email"))
	status := http.StatusUnprocessableEntity
	if e.Code == domain.ETOOMANY {
		status = http.StatusTooManyRequests
		setRetryAfter(w, err)
		p.Errors["email"] = e.Message
	} else {
		p.Errors[e.Field] = e.Message
	}
	s.renderProfile(w, r, status, p)
}

// emailChangeProps fills in the email card: whether the password is needed, and the
// change waiting for confirmation.
func (s *Server) emailChangeProps(r *http.Request, p pages.EmailChangeProps) (pages.EmailChangeProps, error) {
	p.NeedPassword = !s.recentlyAuthenticated(r)
	p.SSOReauth = s.sessions.GetString(r.Context(), sessAuthMethod) == policy.MethodSSO
	pending, ok, err := s.app.PendingEmailChange(r.Context(), currentUser(r))
	if ok {
		p.Pending, p.PendingUntil = pending.NewEmail, pending.ExpiresAt
	}
	return p, err
}
