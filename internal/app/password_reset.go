package app

import (
	"context"
	"time"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// A forgotten password is replaced through a one-time link sent to the sign-in email
// (password_tokens, purpose reset): ResetTTL long, used once, only its hash stored, a
// newer link ending the older. Asking for one is rate-limited per email (known or
// not) and per client address, in fixed windows of ResetWindow (rate_limits).
const (
	ResetTTL          = time.Hour
	ResetWindow       = time.Hour
	ResetEmailLimit   = 5
	ResetAddressLimit = 20
)

func resetEmailKey(email string) string { return "reset-email:" + email }
func resetAddressKey(ip string) string  { return "reset-ip:" + ip }

// errBadResetLink answers a reset link that is unknown, of another purpose or not a
// token at all.
var errBadResetLink = domain.Errorf(domain.ENOTFOUND, "This link is not valid. Ask for a new one.")

// RequestPasswordReset sends a link to choose a new password to email, when an active
// user signs in with it, and otherwise a note saying no sign-in uses the address. The
// caller's answer is the same either way and so is the work: one transaction with the
// same statements (two rate-limit counts, one statement that issues the link when
// there is a user, one message, one audit event "Sign in > Forgot password") and no
// password hashing. An email CheckSignInEmail refuses gives its EINVALID error before
// any work; more than ResetEmailLimit requests for one email, or ResetAddressLimit
// from one address, in ResetWindow give ETOOMANY, the same message for known and
// unknown emails, and record nothing. It returns the normalised email.
func (a *App) RequestPasswordReset(ctx context.Context, email, ip string) (string, error) {
	email, err := CheckSignInEmail(email)
	if err != nil {
		return "", err
	}
	err = a.tx(ctx, func(tx *store.Tx) error {
		if err := a.hitResetLimit(ctx, tx, resetEmailKey(email), ResetEmailLimit); err != nil {
			return err
		}
		if ip != "" {
			if err := a.hitResetLimit(ctx, tx, resetAddressKey(ip), ResetAddressLimit); err != nil {
				return err
			}
		}
		token, hash := auth.NewToken()
		u, err := tx.IssueResetToken(ctx, email, hash, a.now().Add(ResetTTL))
		if err != nil {
			return err
		}
		if u.ID != 0 {
			err = a.mailResetLink(ctx, tx, u.Email, u.FullName, a.baseURL+"/reset-password/"+token)
		} else {
			err = a.mailResetNoAccount(ctx, tx, email)
		}
		if err != nil {
			return err
		}
		return audit(ctx, tx, Actor{UserID: u.ID, Email: email, IP: ip}, "Sign in > Forgot password", email, 0, 0)
	})
	return email, err
}

// hitResetLimit counts one request under key and refuses it beyond limit.
func (a *App) hitResetLimit(ctx context.Context, tx *store.Tx, key string, limit int) error {
	hits, left, err := tx.HitRateLimit(ctx, key, ResetWindow)
	if err != nil {
		return err
	}
	if hits > limit {
		return tooManyResets(left)
	}
	return nil
}

func tooManyResets(left time.Duration) error {
	return tooMany("Too many links were asked for this email, or from your network.", left)
}

// ResetTokenUser returns whom a password-reset link is for, without using it. A token
// of the wrong shape is refused before any query.
func (a *App) ResetTokenUser(ctx context.Context, token string) (domain.User, error) {
	if !auth.TokenWellFormed(token) {
		return domain.User{}, errBadResetLink
	}
	u, err := a.store.ResetTokenUser(ctx, auth.HashToken(token), a.now())
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return u, errBadResetLink
	}
	return u, err
}

// ResetPassword sets a new password through a password-reset link, which is used up.
// It does not sign anyone in: every session of the user ends (rows deleted, session
// epoch raised), so the next sign-in runs the login policy in full. It also forgets
// the email's failed attempts (lifting a throttle or a suspension), ends any email
// change waiting for confirmation, sends the user a notice and is audited. The link is
// checked before the password is hashed: a token of the wrong shape, unknown, used or
// expired costs no hashing; a password CheckNewPassword refuses is EINVALID on field
// "password".
func (a *App) ResetPassword(ctx context.Context, token, password, ip string) (domain.User, error) {
	if !auth.TokenWellFormed(token) {
		return domain.User{}, errBadResetLink
	}
	if err := checkSecret("password", password); err != nil {
		return domain.User{}, err
	}
	if msg := auth.CheckNewPassword(password); msg != "" {
		return domain.User{}, domain.FieldError("password", msg)
	}
	if _, err := a.ResetTokenUser(ctx, token); err != nil {
		return domain.User{}, err
	}
	hash, err := a.hasher.Hash(ctx, password)
	if err != nil {
		return domain.User{}, err
	}
	var u domain.User
	err = a.tx(ctx, func(tx *store.Tx) error {
		if u, err = tx.UseResetToken(ctx, auth.HashToken(token), a.now()); err != nil {
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				return errBadResetLink
			}
			return err
		}
		if err := tx.SetOwnPassword(ctx, u.ID, hash, "a reset link sent to their email"); err != nil {
			return err
		}
		if _, err := endAllSessions(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := tx.ClearLoginFailures(ctx, emailThrottleKey(NormaliseEmail(u.Email))); err != nil {
			return err
		}
		if err := tx.EndEmailChanges(ctx, u.ID); err != nil {
			return err
		}
		if err := a.mailPasswordReset(ctx, tx, u.Email, u.FullName, ip); err != nil {
			return err
		}
		return audit(ctx, tx, Actor{UserID: u.ID, Email: u.Email, IP: ip}, "Sign in > Reset password", u.Email, 0, 0)
	})
	return u, err
}
