package server

import (
	"errors"
	"net/http"
	"net/url"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/web/pages"
)

// The user's own two-factor authentication, at /profile/two-factor: set it up (or
// replace the authenticator), get new recovery codes, turn it off. Each change needs a
// recent proof of who they are (policy.Recent): the password, confirmed here, or a
// sign-in within 15 minutes. next (a same-site path) is where the browser goes once set
// up, for a step-up or an account's security settings that sent the user here.

// twoFactorShow renders the two-factor page.
func (s *Server) twoFactorShow(w http.ResponseWriter, r *http.Request) {
	s.renderTwoFactor(w, r, http.StatusOK, safeNext(r.URL.Query().Get("next")), "")
}

func (s *Server) renderTwoFactor(w http.ResponseWriter, r *http.Request, status int, next, passwordErr string) {
	u := currentUser(r)
	st, err := s.app.TwoFactorStatus(r.Context(), u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.shell(r.Context(), r, "Two-factor authentication", u, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	required := ""
	if st.RequiredCount > 0 {
		required = st.RequiredByText()
	}
	s.render(w, r, status, pages.TwoFactor(pages.TwoFactorProps{Shell: sh, Enrolled: st.Enrolled, EnrolledAt: st.EnrolledAt,
		RecoveryLeft: st.RecoveryLeft, RequiredBy: required, Recent: policy.Recent(s.proof(r), s.now()), Next: next,
		SSOReauth:     s.sessions.GetString(r.Context(), sessAuthMethod) == policy.MethodSSO,
		PasswordError: passwordErr}))
}

// twoFactorPath is the two-factor page, keeping next.
func twoFactorPath(next string) string {
	if next == "" {
		return "/profile/two-factor"
	}
	return "/profile/two-factor?" + url.Values{"next": {next}}.Encode()
}

// twoFactorConfirmPassword proves who the user is again: their password, checked as a
// sign-in attempt is (throttled). The session gets a fresh token and the time.
func (s *Server) twoFactorConfirmPassword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	next, err := formNext(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.app.Reauthenticate(ctx, actor(r), r.PostFormValue("password")); err != nil {
		var e *domain.Error
		switch {
		case errors.As(err, &e) && e.Code == domain.EINVALID:
			s.renderTwoFactor(w, r, http.StatusUnprocessableEntity, next, e.Message)
		case domain.ErrorCode(err) == domain.ETOOMANY:
			setRetryAfter(w, err)
			s.renderTwoFactor(w, r, http.StatusTooManyRequests, next, domain.ErrorMessage(err))
		default:
			s.fail(w, r, err)
		}
		return
	}
	if err := s.renewSignedIn(r); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(ctx, sessAuthAt, s.now().Unix())
	http.Redirect(w, r, twoFactorPath(next), http.StatusSeeOther)
}

// twoFactorSetup starts setting up an authenticator: a new secret, kept (sealed) in
// the session until confirmed, shown as a QR code and a key.
func (s *Server) twoFactorSetup(w http.ResponseWriter, r *http.Request) {
	next, err := formNext(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !policy.Recent(s.proof(r), s.now()) {
		s.needReauth(w, r, next)
		return
	}
	u := currentUser(r)
	sealed, e, err := s.app.NewEnrolment(u.ID, u.Email)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessEnrol, sealed)
	s.renderProfileSetup(w, r, http.StatusOK, e, next, "")
}

func (s *Server) renderProfileSetup(w http.ResponseWriter, r *http.Request, status int, e app.Enrolment, next, msg string) {
	u := currentUser(r)
	sh, err := s.shell(r.Context(), r, "Set up two-factor authentication", u, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, pages.Setup(pages.SetupProps{Shell: &sh, Email: u.Email, QRCode: e.QRCode, Key: e.Key,
		Action: "/profile/two-factor/setup/confirm", Hidden: map[string]string{"next": next}, Error: msg}))
}

// twoFactorSetupConfirm confirms the set-up with a code from the app: TOTP is set up
// (audited, the user emailed), the session has proven a second factor (a fresh token),
// and the recovery codes are shown once.
func (s *Server) twoFactorSetupConfirm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	next, err := formNext(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sealed := s.sessions.GetBytes(ctx, sessEnrol)
	if sealed == nil {
		s.sessions.Put(ctx, "flash", "That set-up has expired. Start again.")
		http.Redirect(w, r, twoFactorPath(next), http.StatusSeeOther)
		return
	}
	u := currentUser(r)
	codes, err := s.app.ConfirmEnrolment(ctx, actor(r), s.proof(r), sealed, r.PostFormValue("code"))
	if err != nil {
		switch {
		case errors.Is(err, app.ErrReauthenticate):
			s.needReauth(w, r, next)
		case domain.ErrorCode(err) == domain.EINVALID:
			e, eerr := s.app.EnrolmentOf(u.ID, u.Email, sealed)
			if eerr != nil {
				s.fail(w, r, eerr)
				return
			}
			s.renderProfileSetup(w, r, http.StatusUnprocessableEntity, e, next, domain.ErrorMessage(err))
		default:
			s.fail(w, r, err)
		}
		return
	}
	s.sessions.Remove(ctx, sessEnrol)
	if err := s.renewSignedIn(r); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(ctx, sessAuthMFA, true)
	s.renderCodes(w, r, codes, "Two-factor authentication is on", "From now on you enter a code from your authenticator app where an account requires it.", next)
}

// twoFactorRecoveryCodes replaces the user's recovery codes and shows the new ones once.
func (s *Server) twoFactorRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	next, err := formNext(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	codes, err := s.app.NewRecoveryCodes(r.Context(), actor(r), s.proof(r))
	if err != nil {
		s.twoFactorRefused(w, r, err, next)
		return
	}
	s.renderCodes(w, r, codes, "New recovery codes", "Your old recovery codes no longer work.", next)
}

// twoFactorDisable turns the user's two-factor authentication off, unless an account
// of theirs requires it.
func (s *Server) twoFactorDisable(w http.ResponseWriter, r *http.Request) {
	if err := s.app.DisableTOTP(r.Context(), actor(r), s.proof(r)); err != nil {
		s.twoFactorRefused(w, r, err, "")
		return
	}
	s.sessions.Put(r.Context(), "flash", "Two-factor authentication is off.")
	http.Redirect(w, r, "/profile/two-factor", http.StatusSeeOther)
}

// twoFactorRefused answers a refused change: back to the page asking for the password
// when it is not recent, or with the reason as a flash.
func (s *Server) twoFactorRefused(w http.ResponseWriter, r *http.Request, err error, next string) {
	switch {
	case errors.Is(err, app.ErrReauthenticate):
		s.needReauth(w, r, next)
	case domain.ErrorCode(err) == domain.EINVALID:
		s.sessions.Put(r.Context(), "flash", domain.ErrorMessage(err))
		http.Redirect(w, r, twoFactorPath(next), http.StatusSeeOther)
	default:
		s.fail(w, r, err)
	}
}

// needReauth sends the user to confirm their password first.
func (s *Server) needReauth(w http.ResponseWriter, r *http.Request, next string) {
	s.sessions.Put(r.Context(), "notice", domain.ErrorMessage(app.ErrReauthenticate))
	http.Redirect(w, r, twoFactorPath(next)+"#confirm", http.StatusSeeOther)
}

func (s *Server) renderCodes(w http.ResponseWriter, r *http.Request, codes []string, heading, intro, next string) {
	sh, err := s.shell(r.Context(), r, heading, currentUser(r), nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	text := "Back to two-factor authentication"
	href := "/profile/two-factor"
	if next != "" {
		href, text = next, "Continue"
	}
	s.render(w, r, http.StatusOK, pages.RecoveryCodes(pages.RecoveryCodesProps{Shell: &sh, Codes: codes, Heading: heading,
		Intro: intro, NextHref: href, NextText: text}))
}
