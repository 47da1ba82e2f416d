package app

import (
	"context"

	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/internal/store"
)

// Joining an account through an invitation. Accepting is when a user who already
// uses Atrium first comes under the invited account's rules, so before the acceptance
// takes effect they prove what those rules ask (policy.Join): the account's single
// sign-on when it signs in only through it, a TOTP code (or setting one up) when it
// requires two-factor authentication. The proofs are the step-up's, remembered for the
// session; AcceptInvitation checks them again under the account's lock.

// ErrJoinStepsOwed refuses an acceptance by a session that has not yet proven what
// the invited account asks (JoinSteps says what); nothing is granted and the
// invitation stays pending.
var ErrJoinStepsOwed = domain.Errorf(domain.EFORBIDDEN, "Before you join this account, prove what it asks of its members.")

// JoinSteps returns what the signed-in user, having proven proof, still owes to accept
// the invitation of the link with token: the invited account and policy.Join's steps
// (none: Accept takes effect at once). Errors: ErrBadInvitationLink for a malformed
// or unknown link, ErrInvitationClosed for one that no longer works, EFORBIDDEN for an
// invitation to another email (nothing about the account's rules is told then),
// EUNAUTHORISED for a missing or disabled user.
func (a *App) JoinSteps(ctx context.Context, userID int64, token string, proof policy.Proof) (StepUp, error) {
	u, err := a.User(ctx, userID)
	if err != nil {
		return StepUp{}, err
	}
	v, err := a.InvitationByLink(ctx, token)
	if err != nil {
		return StepUp{}, err
	}
	if !SameEmail(u.Email, v.Invitation.Email) {
		return StepUp{}, wrongUser(u.Email, v.Invitation.Email)
	}
	if v.State != LinkOpen {
		return StepUp{}, ErrInvitationClosed
	}
	acc, err := a.store.AccountBySlug(ctx, v.Invitation.AccountSlug)
	if err != nil {
		return StepUp{}, err
	}
	if acc.Status != domain.AccountActive {
		return StepUp{}, ErrInvitationClosed
	}
	steps, err := joinSteps(ctx, a.store.Q, acc, u, proof)
	if err != nil {
		return StepUp{}, err
	}
	return StepUp{Account: acc, Steps: steps, Invitation: token}, nil
}

// joinSteps reads what the policy needs of u (through q) and returns what joining acc
// still asks of a session that has proven proof.
func joinSteps(ctx context.Context, q store.Q, acc domain.Account, u domain.User, proof policy.Proof) ([]policy.Step, error) {
	f, err := q.SignInFacts(ctx, NormaliseEmail(u.Email), "", "")
	if err != nil {
		return nil, err
	}
	subj := policy.Subject{HasPassword: f.PasswordHash != "", TOTPEnrolled: f.TOTPSecret != nil, SSOIdentities: f.SSOIdentities}
	return policy.Join(policy.RulesOf(acc), subj, proof), nil
}

// ProveJoinStep checks a TOTP code (or, with recovery, a recovery code) that the
// invitation of the link with token asks of the actor's session (epoch) before they
// join. A right code is audited with the account; the returned proof holds it for the
// rest of the session. When no code is owed it succeeds without one. What cannot be a
// code is refused first; then errors as JoinSteps, then as checkCode.
func (a *App) ProveJoinStep(ctx context.Context, actor Actor, epoch int, token string, proof policy.Proof, code string, recovery bool) (CodeResult, error) {
	if err := CheckCodeShape(code, recovery); err != nil {
		return CodeResult{}, err
	}
	up, err := a.JoinSteps(ctx, actor.UserID, token, proof)
	if err != nil {
		return CodeResult{}, err
	}
	return a.proveCode(ctx, actor, epoch, up, proof, code, recovery, "Invitation > Join "+up.Account.Name)
}
