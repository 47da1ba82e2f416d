package server

import (
	"net/http"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/web/pages"
)

// loginSetupShow renders the enrolment step of a pending sign-in: the QR code and key
// of the new secret the sign-in holds, and the reason.
func (s *Server) loginSetupShow(w http.ResponseWriter, r *http.Request) {
	p, step, ok := s.pendingStep(w, r, policy.StepTOTPEnrol)
	if !ok {
		return
	}
	s.renderLoginSetup(w, r, http.StatusOK, p, step, "")
}

func (s *Server) renderLoginSetup(w http.ResponseWriter, r *http.Request, status int, p pendingSignIn, step policy.Step, msg string) {
	e, err := s.app.EnrolmentOf(p.State.UserID, p.State.Email, p.State.NewSecret)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, pages.Setup(pages.SetupProps{Reason: step.Reason(), Email: p.State.Email, QRCode: e.QRCode, Key: e.Key,
		Action: "/login/two-factor/setup", Error: msg}))
}

// loginSetup confirms the enrolment step with a code from the newly set-up app: TOTP
// is set up (audited, the user emailed), the second factor counts as proven, and the
// sign-in goes on through the policy (finishSignIn's path); the recovery codes are
// shown once, with the way on.
func (s *Server) loginSetup(w http.ResponseWriter, r *http.Request) {
	p, step, ok := s.pendingStep(w, r, policy.StepTOTPEnrol)
	if !ok {
		return
	}
	st := p.State
	actor := app.Actor{UserID: st.UserID, Email: st.Email, IP: clientIP(r)}
	codes, err := s.app.ConfirmEnrolment(r.Context(), actor, p.Proof, st.NewSecret, r.PostFormValue("code"))
	if err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			s.renderLoginSetup(w, r, http.StatusUnprocessableEntity, p, step, domain.ErrorMessage(err))
			return
		}
		s.signInFailed(w, r, err)
		return
	}
	st.Secret, st.NewSecret, st.Subject.TOTPEnrolled = st.NewSecret, nil, true
	proof := p.Proof
	proof.MFA = true
	dest, err := s.advance(r, st, proof, p.Next, false)
	if err != nil {
		s.signInFailed(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.RecoveryCodes(pages.RecoveryCodesProps{Codes: codes,
		Heading: "Two-factor authentication is on", Intro: "From now on you enter a code from your authenticator app where an account requires it.",
		NextHref: dest, NextText: "Continue"}))
}
