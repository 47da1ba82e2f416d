package app

import (
	"context"
	"errors"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// ChangeName sets the actor's own name. Audited.
func (a *App) ChangeName(ctx context.Context, actor Actor, name string) (string, error) {
	name, err := cleanName("full_name", name, 120)
	if err != nil {
		return "", err
	}
	return name, a.tx(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, actor.UserID)
		if err != nil {
			return err
		}
		if u.FullName == name {
			return nil
		}
		if err := tx.SetFullName(ctx, u.ID, name); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Profile > Change name ("+u.FullName+" → "+name+")", u.Email, 0, 0)
	})
}

// ChangePassword sets the actor's own password after checking their current one. A
// new password CheckNewPassword refuses is refused first, at no hashing and no attempt.
// Checking the current password is a password attempt for the actor's email and
// address, throttled and reserved before the hash as at sign-in (verifyAttempt), so a
// wrong current password counts as a failed attempt. On success every session of the
// user but the one with the token keep ends (their session epoch rises too, so keep
// must be renewed at once: RenewSession), the email's failed attempts are forgotten and
// the address's reserved one given back, any email change waiting for confirmation
// ends, the user gets a notice by email, and it is audited. It returns the new session
// epoch.
func (a *App) ChangePassword(ctx context.Context, actor Actor, current, next, keep string) (int, error) {
	if err := checkSecret("current_password", current); err != nil {
		return 0, err
	}
	if err := checkSecret("new_password", next); err != nil {
		return 0, err
	}
	if msg := auth.CheckNewPassword(next); msg != "" {
		return 0, domain.FieldError("new_password", msg)
	}
	email := NormaliseEmail(actor.Email)
	_, _, err := a.verifyAttempt(ctx, email, actor.IP, current, func(_ store.Q, f store.SignInFacts) error {
		if f.User.ID != actor.UserID {
			return domain.Errorf(domain.ENOTFOUND, "Page not found.")
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, auth.ErrMismatch) {
			return 0, domain.FieldError("current_password", "That is not your current password.")
		}
		return 0, err
	}
	hash, err := a.hasher.Hash(ctx, next)
	if err != nil {
		return 0, err
	}
	var epoch int
	err = a.tx(ctx, func(tx *store.Tx) error {
		if err := tx.SetOwnPassword(ctx, actor.UserID, hash, "their profile"); err != nil {
			return err
		}
		if epoch, err = tx.BumpSessionEpoch(ctx, actor.UserID); err != nil {
			return err
		}
		if _, err := tx.EndUserSessions(ctx, actor.UserID, auth.HashToken(keep)); err != nil {
			return err
		}
		if err := tx.SettleLoginAttempt(ctx, emailThrottleKey(email), ipThrottleKey(actor.IP)); err != nil {
			return err
		}
		if err := a.passwordChanged(ctx, tx, actor); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Profile > Change password", actor.Email, 0, 0)
	})
	return epoch, err
}

// RenewSession records the row of a signed-in session whose token has just been
// renewed (after a password change), so it stays listed and can be ended.
func (a *App) RenewSession(ctx context.Context, u domain.User, token string, s domain.SessionStart) error {
	s.UserAgent = clipUserAgent(s.UserAgent)
	return a.store.InsertSession(ctx, u.ID, auth.HashToken(token), s)
}
