package app

import (
	"context"
	"errors"
	"time"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/internal/store"
)

// ReauthWindow is how long after a user last proved who they are (signing in) they may
// change their email or two-factor settings without typing their current password
// again: the login policy's (policy.Recent decides).
const ReauthWindow = policy.ReauthWindow

// Reauth is what a request offers as proof that the signed-in user is at the keyboard:
// the current password they typed ("" when none), and when their session last proved
// who they are (the session's auth_at; zero when unknown).
type Reauth struct {
	Password string
	AuthAt   time.Time
}

// RecentlyAuthenticated reports whether a proof of identity made at authAt lies within
// ReauthWindow of now (policy.Recent); a zero authAt is not recent.
func (a *App) RecentlyAuthenticated(authAt time.Time) bool {
	return policy.Recent(policy.Proof{At: authAt}, a.now())
}

// reauthenticate checks re for actor before a sensitive change. A password, when one
// is given, must be the actor's current one: it is a password attempt for their email
// and address, throttled and reserved before the hash as at sign-in, so a wrong one
// counts as a failure (EINVALID on field) and too many give ETOOMANY. Without a
// password the session must have proved its user within ReauthWindow (EINVALID on
// field otherwise). verified says a password was checked: the caller settles the
// attempt (store.SettleLoginAttempt) in the change's transaction.
func (a *App) reauthenticate(ctx context.Context, actor Actor, re Reauth, field string) (verified bool, err error) {
	if re.Password == "" {
		if a.RecentlyAuthenticated(re.AuthAt) {
			return false, nil
		}
		return false, domain.FieldError(field, "Enter your current password: you signed in more than "+
			itoa(int(ReauthWindow.Minutes()))+" minutes ago.")
	}
	if err := checkSecret(field, re.Password); err != nil {
		return false, err
	}
	_, _, err = a.verifyAttempt(ctx, NormaliseEmail(actor.Email), actor.IP, re.Password, func(_ store.Q, f store.SignInFacts) error {
		if f.User.ID != actor.UserID {
			return domain.Errorf(domain.ENOTFOUND, "Page not found.")
		}
		return nil
	})
	if errors.Is(err, auth.ErrMismatch) {
		return false, domain.FieldError(field, "That is not your current password.")
	}
	return err == nil, err
}

// settleReauth settles, in tx, the password attempt reauthenticate verified.
func settleReauth(ctx context.Context, tx *store.Tx, actor Actor, verified bool) error {
	if !verified {
		return nil
	}
	return tx.SettleLoginAttempt(ctx, emailThrottleKey(NormaliseEmail(actor.Email)), ipThrottleKey(actor.IP))
}
