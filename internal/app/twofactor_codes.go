package app

import (
	"context"
	"errors"
	"strconv"
	"time"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/internal/store"
)

// Second-factor codes: a TOTP code from the user's authenticator app, or one of their
// recovery codes. Each attempt is decided and recorded in one statement that holds
// the user's row (store.CheckTOTP), so a code is accepted once even when sent twice in
// parallel, and wrong codes are counted per user under the login policy's throttle.

// ErrWrongCode answers a code that is not right (or was already used).
var ErrWrongCode = domain.FieldError("code", "That code is not right. Check the code your authenticator app shows now and try again.")

// ErrWrongRecoveryCode answers a recovery code that is not one of the user's unused
// codes.
var ErrWrongRecoveryCode = domain.FieldError("recovery_code", "That is not one of your unused recovery codes.")

// ErrTooManyCodes answers the wrong code that ends a sign-in or step-up
// (policy.CodeEndAfter wrong codes stand).
var ErrTooManyCodes = domain.Errorf(domain.ETOOMANY, "Too many wrong codes. For your safety, sign in again.")

// errCodeShape answers what cannot be a code at all; nothing is counted.
var errCodeShape = domain.FieldError("code", "Enter the 6-digit code your authenticator app shows.")

var errRecoveryShape = domain.FieldError("recovery_code", "A recovery code has 16 letters and digits, like 7KQ2-M9XD-4RTA-0C8V.")

// errSignInAgain ends a sign-in whose user changed under it (signed out everywhere,
// disabled, or their two-factor set-up reset).
var errSignInAgain = domain.Errorf(domain.EUNAUTHORISED, "Please sign in again.")

// errNoSecretKey is a server without ATRIUM_SECRET_KEY.
var errNoSecretKey = errors.New("app: no secret key (ATRIUM_SECRET_KEY) to seal two-factor secrets with")

// CodeResult is a second factor proven.
type CodeResult struct {
	// Proof is what the session has proven now.
	Proof policy.Proof
	// SignedIn is true when the code completed a sign-in, recorded in the same
	// statement (the session's row under the token given).
	SignedIn bool
	// RecoveryLeft counts the recovery codes still unused, after a recovery code.
	RecoveryLeft int
}

// codeAttempt is one second-factor attempt for a user.
type codeAttempt struct {
	userID   int64
	epoch    int
	email    string
	sealed   []byte
	code     string
	recovery bool
	record   *store.CodeRecord
}

// checkCode decides a code (or recovery code) and records it. A code that cannot be
// one gives errCodeShape (nothing counted); a throttled attempt ETOOMANY with the wait;
// a wrong code ErrWrongCode, or ErrTooManyCodes once the wrong codes standing end the
// sign-in; a user whose epoch, secret or status changed errSignInAgain.
func (a *App) checkCode(ctx context.Context, at codeAttempt) (store.CodeOutcome, error) {
	if a.sealer == nil {
		return store.CodeOutcome{}, errNoSecretKey
	}
	now := a.now()
	c := store.CodeCheck{UserID: at.userID, Epoch: at.epoch, Secret: at.sealed, Now: now, Waits: policy.CodeWaits(),
		Decay: policy.CodeFailureDecay, Record: at.record}
	var out store.CodeOutcome
	var err error
	if at.recovery {
		hash, ok := auth.HashRecoveryCode(at.code)
		if !ok {
			return out, errRecoveryShape
		}
		out, err = a.store.CheckRecoveryCode(ctx, hash, c)
	} else {
		code, ok := auth.NormaliseTOTPCode(at.code)
		if !ok {
			return out, errCodeShape
		}
		secret, err := a.sealer.Open(at.sealed, totpContext(at.userID))
		if err != nil {
			return out, errSignInAgain
		}
		c.Step = auth.MatchTOTP(string(secret), code, now)
		out, err = a.store.CheckTOTP(ctx, c)
		if err != nil {
			return out, codeErr(err)
		}
		return out, codeVerdict(out, now, false)
	}
	if err != nil {
		return out, codeErr(err)
	}
	return out, codeVerdict(out, now, true)
}

func codeErr(err error) error {
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return errSignInAgain
	}
	return err
}

// codeVerdict turns an attempt's outcome into the answer to give.
func codeVerdict(o store.CodeOutcome, now time.Time, recovery bool) error {
	switch {
	case o.Right:
		return nil
	case !o.Checked:
		t := policy.CheckCodes(o.Failures, o.LastFailure, now)
		return tooManyCodes(t)
	case policy.CodesExhausted(o.Failures):
		return ErrTooManyCodes
	case recovery:
		return ErrWrongRecoveryCode
	}
	return ErrWrongCode
}

// tooManyCodes is the answer to a code the throttle does not let be checked yet.
func tooManyCodes(t policy.Throttle) error {
	return &domain.Error{Code: domain.ETOOMANY, RetryAfter: t.Wait, Field: "code",
		Message: "Too many wrong codes. Wait " + waitText(t.Wait) + ", then enter the code your app shows then."}
}

// totpContext binds a sealed TOTP secret to its user.
func totpContext(userID int64) string { return "totp:" + strconv.FormatInt(userID, 10) }

// ProveCode checks the second-factor step of a sign-in in progress: a TOTP code, or
// with recovery a recovery code. When it is right and the login policy owes nothing
// more, the sign-in completes in the same statement: the session's row under token
// (its data is saved with the response), the sign-in time and the audit event. Errors
// as checkCode; EINVALID when the sign-in owes no code.
func (a *App) ProveCode(ctx context.Context, st SignInState, proof policy.Proof, code string, recovery bool,
	token string, s domain.SessionStart) (CodeResult, error) {
	steps := st.Owed(proof)
	if len(steps) == 0 || steps[0].Kind != policy.StepTOTP {
		return CodeResult{}, domain.Errorf(domain.EINVALID, "No code is asked for now.")
	}
	proven := proof
	proven.MFA = true
	done := len(st.Owed(proven)) == 0
	var rec *store.CodeRecord
	second := "an authenticator code"
	if recovery {
		second = "a recovery code"
	}
	if done {
		rec = &store.CodeRecord{Email: st.Email, Action: "Sign in > " + proofLabel(proof, second), IP: s.IP,
			Session: &store.SessionRow{TokenHash: auth.HashToken(token), Expiry: s.Expiry, UserAgent: clipUserAgent(s.UserAgent)}}
	}
	out, err := a.checkCode(ctx, codeAttempt{userID: st.UserID, epoch: st.Epoch, email: st.Email, sealed: st.Secret,
		code: code, recovery: recovery, record: rec})
	if err != nil {
		return CodeResult{}, err
	}
	return CodeResult{Proof: proven, SignedIn: done, RecoveryLeft: out.RecoveryLeft}, nil
}

// CheckCodeShape refuses, before anything is read or written, what cannot be a code
// (recovery: a recovery code) at all; nil for a code worth checking.
func CheckCodeShape(code string, recovery bool) error {
	if recovery {
		if _, ok := auth.NormaliseRecoveryCode(code); !ok {
			return errRecoveryShape
		}
		return nil
	}
	if _, ok := auth.NormaliseTOTPCode(code); !ok {
		return errCodeShape
	}
	return nil
}
