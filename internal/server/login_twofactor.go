package server

import (
	"errors"
	"net/http"
	"strconv"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/web/pages"
)

// loginCodeShow renders the code step of a pending sign-in, saying which account's
// rule asks for it.
func (s *Server) loginCodeShow(w http.ResponseWriter, r *http.Request) {
	p, step, ok := s.pendingStep(w, r, policy.StepTOTP)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, pages.CodeStep(loginCodeProps(p, step)))
}

func loginCodeProps(p pendingSignIn, step policy.Step) pages.CodeStepProps {
	return pages.CodeStepProps{Reason: step.Reason(), Email: p.State.Email, Action: "/login/two-factor",
		RecoveryAction: "/login/two-factor/recovery"}
}

// loginCode checks a code from the authenticator app.
func (s *Server) loginCode(w http.ResponseWriter, r *http.Request) { s.proveLoginCode(w, r, false) }

// loginRecovery checks a recovery code in place of the authenticator's.
func (s *Server) loginRecovery(w http.ResponseWriter, r *http.Request) { s.proveLoginCode(w, r, true) }

// proveLoginCode checks the code step of a pending sign-in. The session gets a fresh
// token first (a pending sign-in has no row to lose); a right code then completes the
// sign-in in the same statement when nothing more is owed, or goes on to the next
// step. A wrong code is counted for the user (policy.CodeEndAfter of them end the
// sign-in); a throttled one is not checked (429).
func (s *Server) proveLoginCode(w http.ResponseWriter, r *http.Request, recovery bool) {
	ctx := r.Context()
	p, step, ok := s.pendingStep(w, r, policy.StepTOTP)
	if !ok {
		return
	}
	code := r.PostFormValue("code")
	if recovery {
		code = r.PostFormValue("recovery_code")
	}
	if err := app.CheckCodeShape(code, recovery); err != nil {
		s.codeRefused(w, r, err, recovery, loginCodeProps(p, step))
		return
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.app.ProveCode(ctx, p.State, p.Proof, code, recovery, s.sessions.Token(ctx), sessionStart(r, s.sessions.Deadline(ctx)))
	if err != nil {
		if !s.codeRefused(w, r, err, recovery, loginCodeProps(p, step)) {
			s.signInFailed(w, r, err)
			return
		}
		s.savePending(r, p) // under the new token, expiring as before
		return
	}
	if res.SignedIn {
		s.signedIn(r, p.State.UserID, p.State.Epoch, res.Proof)
		if recovery {
			s.sessions.Put(ctx, "notice", recoveryLeftNotice(res.RecoveryLeft))
		}
		http.Redirect(w, r, landingOr(p.Next), http.StatusSeeOther)
		return
	}
	s.continueSignIn(w, r, p.State, res.Proof, p.Next, false)
}

// codeRefused re-renders a code page for a refused code (422 for a wrong one, 429
// with Retry-After for a throttled one) and reports true; other errors it leaves to
// the caller.
func (s *Server) codeRefused(w http.ResponseWriter, r *http.Request, err error, recovery bool, props pages.CodeStepProps) bool {
	var e *domain.Error
	if !errors.As(err, &e) || errors.Is(err, app.ErrTooManyCodes) {
		return false
	}
	status := http.StatusUnprocessableEntity
	switch e.Code {
	case domain.EINVALID:
	case domain.ETOOMANY:
		status = http.StatusTooManyRequests
		setRetryAfter(w, err)
	default:
		return false
	}
	if recovery {
		props.RecoveryError, props.RecoveryOpen = e.Message, true
	} else {
		props.CodeError = e.Message
	}
	s.render(w, r, status, pages.CodeStep(props))
	return true
}

// recoveryLeftNotice tells a user who signed in with a recovery code how many remain.
func recoveryLeftNotice(left int) string {
	switch left {
	case 0:
		return "You used your last recovery code. Get new ones in your profile under Two-factor authentication now."
	case 1:
		return "You signed in with a recovery code; 1 is left. Get new ones in your profile under Two-factor authentication."
	}
	return "You signed in with a recovery code; " + strconv.Itoa(left) + " are left."
}
