package server

import (
	"fmt"
	"net/http"
	"net/url"

	"atrium/internal/domain"
	"atrium/web/pages"
)

// staffUserShow finds a user by ?email= and shows who they are, with the platform-wide
// actions: disable or enable them, sign them out everywhere.
func (s *Server) staffUserShow(w http.ResponseWriter, r *http.Request) {
	email := r.URL.Query().Get("email")
	p := pages.StaffProps{UserLookup: pages.StaffForm{Values: map[string]string{"lookup_email": email}, Errors: map[string]string{}}}
	status := http.StatusOK
	if email != "" {
		f, err := s.app.StaffUser(r.Context(), actor(r), email)
		switch {
		case err == nil:
			p.User = &f
		case domain.ErrorCode(err) == domain.EINVALID:
			p.UserLookup.Errors["lookup_email"] = domain.ErrorMessage(err)
			status = http.StatusUnprocessableEntity
		default:
			s.fail(w, r, err)
			return
		}
	}
	s.renderStaff(w, r, status, p)
}

// staffUserDisable disables a user platform-wide.
func (s *Server) staffUserDisable(w http.ResponseWriter, r *http.Request) {
	email := r.PostFormValue("email")
	u, err := s.app.SetUserDisabled(r.Context(), actor(r), email, true)
	s.staffUserResult(w, r, err, email, u.Email+" is disabled: they cannot sign in, and their sessions have ended.")
}

// staffUserEnable lets a disabled user sign in again.
func (s *Server) staffUserEnable(w http.ResponseWriter, r *http.Request) {
	email := r.PostFormValue("email")
	u, err := s.app.SetUserDisabled(r.Context(), actor(r), email, false)
	s.staffUserResult(w, r, err, email, u.Email+" can sign in again.")
}

// staffUserEndSessions signs a user out of every session.
func (s *Server) staffUserEndSessions(w http.ResponseWriter, r *http.Request) {
	email := r.PostFormValue("email")
	n, err := s.app.EndUserSessionsEverywhere(r.Context(), actor(r), email)
	s.staffUserResult(w, r, err, email, fmt.Sprintf("%s is signed out everywhere (%s).", email, plural(n, "session ended", "sessions ended")))
}

// staffUserResult shows the user card again: with the refusal (422) or after a flash.
func (s *Server) staffUserResult(w http.ResponseWriter, r *http.Request, err error, email, flash string) {
	if err != nil {
		if domain.ErrorCode(err) != domain.EINVALID {
			s.fail(w, r, err)
			return
		}
		p := pages.StaffProps{UserLookup: pages.StaffForm{Values: map[string]string{"lookup_email": email},
			Errors: map[string]string{"lookup_email": domain.ErrorMessage(err)}}}
		if f, ferr := s.app.StaffUser(r.Context(), actor(r), email); ferr == nil {
			p.User = &f
		}
		s.renderStaff(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	s.sessions.Put(r.Context(), "flash", flash)
	http.Redirect(w, r, "/staff/users?email="+url.QueryEscape(email), http.StatusSeeOther)
}

// staffUserResetTwoFactor removes a user's two-factor set-up (a lost device): audited,
// and the user is emailed.
func (s *Server) staffUserResetTwoFactor(w http.ResponseWriter, r *http.Request) {
	email := r.PostFormValue("email")
	u, err := s.app.ResetTOTP(r.Context(), actor(r), email)
	s.staffUserResult(w, r, err, email, "Two-factor authentication of "+u.Email+" is reset: they set up a new authenticator at their next sign-in where an account requires it.")
}
