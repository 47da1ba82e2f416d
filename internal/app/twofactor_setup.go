package app

import (
	"context"
	"errors"
	"time"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/mail"
	"atrium/internal/policy"
	"atrium/internal/store"
)

// Setting up, replacing and turning off a user's own two-factor authentication, and
// staff resetting it for a user who lost their device. Every change needs a recent
// proof of who the user is (policy.Recent: the password, or a sign-in, within 15
// minutes), is audited, and tells the user by email.

// ErrReauthenticate answers a change to two-factor settings without a recent proof.
var ErrReauthenticate = domain.Errorf(domain.EFORBIDDEN, "Confirm your password first: changing two-factor authentication needs a sign-in within the last 15 minutes.")

// Enrolment is a new authenticator secret being set up, as shown to the user: a QR
// code to scan and the same secret to type by hand.
type Enrolment struct {
	QRCode string // a data: URL of a PNG
	Key    string // the secret, grouped in fours
}

// qrSize is the QR code's size in pixels.
const qrSize = 220

// NewEnrolment makes a new TOTP secret for the user with that email, sealed for them
// (the caller keeps it until the set-up is confirmed: ConfirmEnrolment), and what to
// show.
func (a *App) NewEnrolment(userID int64, email string) ([]byte, Enrolment, error) {
	if a.sealer == nil {
		return nil, Enrolment{}, errNoSecretKey
	}
	secret, _, err := auth.NewTOTPKey(email)
	if err != nil {
		return nil, Enrolment{}, err
	}
	sealed := a.sealer.Seal([]byte(secret), totpContext(userID))
	e, err := a.EnrolmentOf(userID, email, sealed)
	return sealed, e, err
}

// EnrolmentOf shows a sealed secret that NewEnrolment made again.
func (a *App) EnrolmentOf(userID int64, email string, sealed []byte) (Enrolment, error) {
	if a.sealer == nil {
		return Enrolment{}, errNoSecretKey
	}
	secret, err := a.sealer.Open(sealed, totpContext(userID))
	if err != nil {
		return Enrolment{}, domain.Errorf(domain.EINVALID, "That set-up has expired. Start again.")
	}
	url, err := auth.TOTPURL(string(secret), email)
	if err != nil {
		return Enrolment{}, err
	}
	qr, err := auth.TOTPQRCode(url, qrSize)
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{QRCode: qr, Key: auth.FormatTOTPSecret(string(secret))}, nil
}

// ConfirmEnrolment sets up TOTP for the actor with the sealed secret NewEnrolment made,
// once code shows their app has it: the secret is stored (its code's step counts as
// used), ten new recovery codes replace any old ones, the change is audited and the
// user emailed. It returns the recovery codes, to be shown once. It needs a recent
// proof (ErrReauthenticate); a wrong code gives ErrWrongCode (not counted: the secret is
// the user's own, just shown to them).
func (a *App) ConfirmEnrolment(ctx context.Context, actor Actor, proof policy.Proof, sealed []byte, code string) ([]string, error) {
	if !policy.Recent(proof, a.now()) {
		return nil, ErrReauthenticate
	}
	if a.sealer == nil {
		return nil, errNoSecretKey
	}
	typed, ok := auth.NormaliseTOTPCode(code)
	if !ok {
		return nil, errCodeShape
	}
	secret, err := a.sealer.Open(sealed, totpContext(actor.UserID))
	if err != nil {
		return nil, domain.Errorf(domain.EINVALID, "That set-up has expired. Start again.")
	}
	step := auth.MatchTOTP(string(secret), typed, a.now())
	if step == 0 {
		return nil, ErrWrongCode
	}
	codes, hashes := auth.NewRecoveryCodes()
	err = a.tx(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, actor.UserID)
		if err != nil {
			return err
		}
		if err := tx.SetTOTP(ctx, u.ID, sealed, step, hashes); err != nil {
			return err
		}
		if err := audit(ctx, tx, actor, "Profile > Two-factor authentication > Turn on", u.Email, 0, 0); err != nil {
			return err
		}
		_, err = a.mail.Enqueue(ctx, tx, mail.TwoFactorEnrolled(a.securityEvent(u, actor.IP, "")))
		return err
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// NewRecoveryCodes replaces the actor's recovery codes with ten new ones and returns
// them, to be shown once. It needs a recent proof (ErrReauthenticate) and TOTP set up
// (EINVALID otherwise). Audited.
func (a *App) NewRecoveryCodes(ctx context.Context, actor Actor, proof policy.Proof) ([]string, error) {
	if !policy.Recent(proof, a.now()) {
		return nil, ErrReauthenticate
	}
	codes, hashes := auth.NewRecoveryCodes()
	err := a.tx(ctx, func(tx *store.Tx) error {
		secret, err := tx.TOTPSecret(ctx, actor.UserID)
		if err != nil {
			return err
		}
		if secret == nil {
			return domain.Errorf(domain.EINVALID, "Set up two-factor authentication first.")
		}
		if err := tx.ReplaceRecoveryCodes(ctx, actor.UserID, hashes); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Profile > Two-factor authentication > New recovery codes", actor.Email, 0, 0)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// DisableTOTP turns the actor's two-factor authentication off. It needs a recent proof
// (ErrReauthenticate), and no account the actor can enter may require two-factor
// authentication (EINVALID naming them). Audited; the user is emailed.
func (a *App) DisableTOTP(ctx context.Context, actor Actor, proof policy.Proof) error {
	if !policy.Recent(proof, a.now()) {
		return ErrReauthenticate
	}
	return a.tx(ctx, func(tx *store.Tx) error {
		st, err := tx.TwoFactorStatus(ctx, actor.UserID)
		if err != nil {
			return err
		}
		if st.RequiredCount > 0 {
			return domain.Errorf(domain.EINVALID, "%s requires two-factor authentication, so it stays on.", listNames(st.RequiredBy, st.RequiredCount))
		}
		u, err := tx.UserByID(ctx, actor.UserID)
		if err != nil {
			return err
		}
		was, err := tx.ClearTOTP(ctx, u.ID)
		if err != nil {
			return err
		}
		if !was {
			return domain.Errorf(domain.EINVALID, "Two-factor authentication is not on.")
		}
		if err := audit(ctx, tx, actor, "Profile > Two-factor authentication > Turn off", u.Email, 0, 0); err != nil {
			return err
		}
		_, err = a.mail.Enqueue(ctx, tx, mail.TwoFactorDisabled(a.securityEvent(u, actor.IP, "")))
		return err
	})
}

// ResetTOTP removes the two-factor set-up of the user with email (staff only): for a
// user who lost their device and recovery codes. They set up a new authenticator at
// their next sign-in where an account requires it. Audited; the user is emailed.
// EINVALID on field "email" for no such user or one without two-factor set up.
func (a *App) ResetTOTP(ctx context.Context, actor Actor, email string) (domain.User, error) {
	if err := requireStaff(actor); err != nil {
		return domain.User{}, err
	}
	email, err := cleanEmail("email", email)
	if err != nil {
		return domain.User{}, err
	}
	var u domain.User
	err = a.tx(ctx, func(tx *store.Tx) error {
		if u, err = tx.UserByEmail(ctx, email); err != nil {
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				return domain.FieldError("email", "There is no user with that email.")
			}
			return err
		}
		was, err := tx.ClearTOTP(ctx, u.ID)
		if err != nil {
			return err
		}
		if !was {
			return domain.FieldError("email", u.Email+" has not set up two-factor authentication.")
		}
		if err := audit(ctx, tx, actor, "Staff > Users > Reset two-factor authentication > "+u.Email, u.Email, 0, 0); err != nil {
			return err
		}
		by := "Atrium support (" + actor.Email + ")"
		_, err = a.mail.Enqueue(ctx, tx, mail.TwoFactorReset(a.securityEvent(u, "", by)))
		return err
	})
	return u, err
}

// TwoFactorStatus is the user's two-factor page.
type TwoFactorStatus struct {
	Enrolled     bool
	EnrolledAt   *time.Time
	RecoveryLeft int
	// RequiredBy names accounts the user can enter that require two-factor
	// authentication (some of them; RequiredCount counts all). While any does, it
	// cannot be turned off.
	RequiredBy    []string
	RequiredCount int
}

// CanDisable reports whether two-factor authentication may be turned off.
func (s TwoFactorStatus) CanDisable() bool { return s.Enrolled && s.RequiredCount == 0 }

// RequiredByText names the accounts that require two-factor authentication.
func (s TwoFactorStatus) RequiredByText() string { return listNames(s.RequiredBy, s.RequiredCount) }

// TwoFactorStatus returns the user's two-factor status.
func (a *App) TwoFactorStatus(ctx context.Context, u domain.User) (TwoFactorStatus, error) {
	st, err := a.store.TwoFactorStatus(ctx, u.ID)
	return TwoFactorStatus{Enrolled: st.EnrolledAt != nil, EnrolledAt: st.EnrolledAt, RecoveryLeft: st.RecoveryLeft,
		RequiredBy: st.RequiredBy, RequiredCount: st.RequiredCount}, err
}

// Reauthenticate checks the actor's password to prove who they are again (before a
// change to two-factor settings). It is a password attempt like sign-in's, throttled
// and reserved before the hash, so wrong passwords count; a right one settles it.
// EINVALID on field "password" for a wrong password.
func (a *App) Reauthenticate(ctx context.Context, actor Actor, password string) error {
	if err := checkSecret("password", password); err != nil {
		return err
	}
	email := NormaliseEmail(actor.Email)
	_, _, err := a.verifyAttempt(ctx, email, actor.IP, password, func(_ store.Q, f store.SignInFacts) error {
		if f.User.ID != actor.UserID {
			return domain.Errorf(domain.ENOTFOUND, "Page not found.")
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, auth.ErrMismatch) {
			return domain.FieldError("password", "That is not your password.")
		}
		return err
	}
	return a.store.SettleLoginAttempt(ctx, emailThrottleKey(email), ipThrottleKey(actor.IP))
}

func (a *App) securityEvent(u domain.User, ip, by string) mail.SecurityEvent {
	return mail.SecurityEvent{To: u.Email, Name: u.FullName, At: a.now(), IP: ip, By: by, ProfileURL: a.baseURL + "/profile/two-factor"}
}

// listNames joins names, saying how many more there are beyond them.
func listNames(names []string, total int) string {
	out := ""
	for i, n := range names {
		switch {
		case i == 0:
			out = n
		case i == len(names)-1 && total == len(names):
			out += " and " + n
		default:
			out += ", " + n
		}
	}
	if more := total - len(names); more > 0 {
		out += " and " + plural(more, "other account", "other accounts")
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}
