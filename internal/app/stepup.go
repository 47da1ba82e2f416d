package app

import (
	"context"

	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/internal/store"
)

// Step-up: an account that enforces its security rules on entry asks a session that
// has not proven enough (a password session entering an account that requires
// two-factor authentication) to prove it before its pages open. What is proven is
// remembered for the session.

// StepUp is what entering an account still asks of a session.
type StepUp struct {
	Account domain.Account
	Steps   []policy.Step
	// Invitation is the token of the invitation link when the steps are owed to join
	// Account by accepting it (JoinSteps), "" when they are owed to enter it.
	Invitation string
}

// StepUp returns what the user, having proven proof, still owes to enter the account
// with that slug. Errors as Access: strangers get ENOTFOUND, so nothing about an
// account's rules is told to someone who cannot enter it.
func (a *App) StepUp(ctx context.Context, userID int64, slug string, proof policy.Proof) (StepUp, error) {
	h, err := a.Access(ctx, userID, slug)
	if err != nil {
		return StepUp{}, err
	}
	return StepUp{Account: h.d.Account, Steps: h.EntrySteps(proof)}, nil
}

// ProveStepUp checks a TOTP code (or, with recovery, a recovery code) to enter the
// account with that slug, for a session of the actor at session epoch epoch that has
// proven proof. A right code is audited with the account; the returned proof holds it,
// for the rest of the session. When the account asks no code of this session it
// succeeds without one. What cannot be a code is refused first; then errors as
// StepUp, then as checkCode.
func (a *App) ProveStepUp(ctx context.Context, actor Actor, epoch int, slug string, proof policy.Proof, code string, recovery bool) (CodeResult, error) {
	if err := CheckCodeShape(code, recovery); err != nil {
		return CodeResult{}, err
	}
	up, err := a.StepUp(ctx, actor.UserID, slug, proof)
	if err != nil {
		return CodeResult{}, err
	}
	return a.proveCode(ctx, actor, epoch, up, proof, code, recovery, "Step-up > "+up.Account.Name)
}

// proveCode checks the code that up's first step asks (a TOTP code; recovery: a
// recovery code), audited under action; none owed: it succeeds without one.
func (a *App) proveCode(ctx context.Context, actor Actor, epoch int, up StepUp, proof policy.Proof, code string, recovery bool, action string) (CodeResult, error) {
	if len(up.Steps) == 0 || up.Steps[0].Kind != policy.StepTOTP {
		return CodeResult{Proof: proof}, nil
	}
	sealed, err := a.store.TOTPSecret(ctx, actor.UserID)
	if err != nil {
		return CodeResult{}, codeErr(err)
	}
	what := "Authenticator code"
	if recovery {
		what = "Recovery code"
	}
	out, err := a.checkCode(ctx, codeAttempt{userID: actor.UserID, epoch: epoch, email: actor.Email, sealed: sealed,
		code: code, recovery: recovery, record: &store.CodeRecord{Email: actor.Email, IP: actor.IP, AccountID: up.Account.ID,
			Action: action + " > " + what}})
	if err != nil {
		return CodeResult{}, err
	}
	proof.MFA = true
	return CodeResult{Proof: proof, RecoveryLeft: out.RecoveryLeft}, nil
}
