package app

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/internal/store"
)

// ErrBadCredentials is the one answer for an unknown email and a wrong password.
var ErrBadCredentials = domain.Errorf(domain.EUNAUTHORISED, "That email and password do not match.")

// NormaliseEmail trims and lower-cases an email address for lookups and display.
func NormaliseEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// ErrSSOOnly answers a password for an account that signs in only through single
// sign-on (the email step has already said so: nothing new is revealed).
var ErrSSOOnly = domain.Errorf(domain.EFORBIDDEN, "Your organisation signs you in through single sign-on, which is not set up on this server yet.")

// SignInSteps returns what a user identified by email still owes under the login
// policy of their favourite account. Unknown emails get the password step too, so the
// answer reveals nothing.
func (a *App) SignInSteps(ctx context.Context, email string, proof policy.Proof) ([]policy.Step, error) {
	email = NormaliseEmail(email)
	f, err := a.store.SignInFacts(ctx, email, emailThrottleKey(email), "")
	if err != nil {
		return nil, err
	}
	return a.steps(ctx, f, proof)
}

// Failed password attempts are counted under these keys (login_throttles.key).
func emailThrottleKey(normalisedEmail string) string { return "email:" + normalisedEmail }

func ipThrottleKey(ip string) string {
	if ip == "" {
		return ""
	}
	return "ip:" + ip
}

// checkAttempts applies the throttle to the failed attempts read with the facts: nil
// when a password may be tried now, else the answer to give instead.
func (a *App) checkAttempts(f store.SignInFacts) error {
	t := policy.CheckAttempts(policy.Attempts{EmailFailures: f.EmailFailures, EmailLastFailure: f.EmailLastFailure,
		IPFailures: f.IPFailures, IPLastFailure: f.IPLastFailure}, a.now())
	if t.Allowed() {
		return nil
	}
	return throttled(t)
}

// throttled is the answer to a password attempt the throttle refuses. It reads the
// same for known and unknown emails.
func throttled(t policy.Throttle) error {
	if t.Suspended {
		return &domain.Error{Code: domain.ETOOMANY, Message: "Password sign-in is suspended for this email after too many " +
			"failed attempts. Set a new password through a one-time link, or ask support to unlock it."}
	}
	secs := int(math.Ceil(t.Wait.Seconds()))
	when := fmt.Sprintf("%d seconds", secs)
	switch {
	case secs == 1:
		when = "a second"
	case secs >= 90:
		when = fmt.Sprintf("%d minutes", (secs+59)/60)
	}
	return &domain.Error{Code: domain.ETOOMANY, RetryAfter: t.Wait,
		Message: "Too many failed sign-in attempts. Try again in " + when + "."}
}

// steps applies the login policy to the facts read for an email.
func (a *App) steps(ctx context.Context, f store.SignInFacts, proof policy.Proof) ([]policy.Step, error) {
	if f.User.ID == 0 {
		return []policy.Step{policy.StepPassword}, nil
	}
	settings := policy.Settings{LoginMethod: f.LoginMethod, MFARequired: f.MFARequired}
	if !f.FavouriteOK {
		// The favourite is gone (or never set): the landing fallback's rules apply.
		var err error
		if settings, err = a.governingSettings(ctx, f.User.ID); err != nil {
			return nil, err
		}
	}
	return policy.Steps(settings, policy.Subject{HasPassword: f.PasswordHash != ""}, proof), nil
}

// governingSettings returns the settings of the account a user lands in when their
// favourite cannot be entered: the landing fallback's.
func (a *App) governingSettings(ctx context.Context, userID int64) (policy.Settings, error) {
	entries, err := a.store.Entries(ctx, userID, 0, "", 0)
	if err != nil {
		return policy.Settings{}, err
	}
	land := policy.Land(entries, 0)
	if land.None {
		return policy.Settings{LoginMethod: "password"}, nil
	}
	acc, err := a.store.AccountBySlug(ctx, land.Entry.AccountSlug)
	if err != nil {
		return policy.Settings{}, err
	}
	return policy.Settings{LoginMethod: acc.LoginMethod, MFARequired: acc.MFARequired}, nil
}

// PasswordSignIn checks an email and password. Unknown emails, users without a
// password, disabled users and wrong passwords all give ErrBadCredentials after the
// same amount of hashing, and each counts as a failed attempt for the email and the
// address. Attempts the throttle refuses (policy.CheckAttempts) give ETOOMANY before
// any hashing, the same for known and unknown emails; an account that signs in only
// through single sign-on refuses the password with ErrSSOOnly, also before hashing.
// On success it re-hashes the password when the parameters have risen and returns the
// user; the caller then starts their session with StartSession. An email that is not
// an address (LoginEmail) or a password no user can have (checkSecret) gives EINVALID
// before anything is read, hashed or counted.
func (a *App) PasswordSignIn(ctx context.Context, email, password, ip string) (domain.User, error) {
	email, err := LoginEmail("email", email)
	if err != nil {
		return domain.User{}, err
	}
	if err := checkSecret("password", password); err != nil {
		return domain.User{}, err
	}
	emailKey, ipKey := emailThrottleKey(email), ipThrottleKey(ip)
	f, err := a.store.SignInFacts(ctx, email, emailKey, ipKey)
	if err != nil {
		return domain.User{}, err
	}
	// The password step is taken only where the policy asks for it: posting a
	// password cannot skip an account's single sign-on.
	steps, err := a.steps(ctx, f, policy.Proof{})
	if err != nil {
		return domain.User{}, err
	}
	if len(steps) > 0 && steps[0] == policy.StepSSO {
		return domain.User{}, ErrSSOOnly
	}
	if err := a.checkAttempts(f); err != nil {
		return domain.User{}, err
	}
	u := f.User
	rehash, verr := a.hasher.Verify(ctx, password, f.PasswordHash)
	if verr != nil || u.ID == 0 || u.Disabled {
		if verr != nil && !errors.Is(verr, auth.ErrMismatch) {
			return domain.User{}, verr
		}
		if err := a.store.RecordLoginFailure(ctx, emailKey, ipKey); err != nil {
			return domain.User{}, err
		}
		return domain.User{}, ErrBadCredentials
	}
	if rehash {
		newHash, err := a.hasher.Hash(ctx, password)
		if err != nil {
			return domain.User{}, err
		}
		if err := a.store.SetPasswordHash(ctx, u.ID, newHash); err != nil {
			return domain.User{}, err
		}
	}
	return u, nil
}

// SessionStart describes the session a sign-in starts: its fresh token (only its
// hash is stored), its expiry, and where it comes from.
type SessionStart struct {
	Token     string
	Expiry    time.Time
	IP        string
	UserAgent string
}

// userAgentMax bounds the browser description kept with a session.
const userAgentMax = 300

// StartSession records a completed sign-in: the session's row, owned by the user (so
// they can list and end it), the sign-in time, the end of the email's failed attempts,
// and the audit event "Sign in > METHOD", all at once.
func (a *App) StartSession(ctx context.Context, u domain.User, method string, s SessionStart) error {
	return a.store.RecordSignIn(ctx, u.ID, u.Email, emailThrottleKey(NormaliseEmail(u.Email)), "Sign in > "+method,
		store.SessionStart{TokenHash: auth.HashToken(s.Token), Expiry: s.Expiry, IP: s.IP, UserAgent: clipUserAgent(s.UserAgent)})
}

func clipUserAgent(ua string) string {
	if len(ua) > userAgentMax {
		return strings.ToValidUTF8(ua[:userAgentMax], "")
	}
	return ua
}

// SignOut audits the end of a session.
func (a *App) SignOut(ctx context.Context, actor Actor) error {
	return a.tx(ctx, func(tx *store.Tx) error {
		return audit(ctx, tx, actor, "Sign out", actor.Email, 0, 0)
	})
}

// Landing returns where a signed-in user goes: their favourite account, a fallback, or
// none at all.
func (a *App) Landing(ctx context.Context, userID int64) (policy.Landing, error) {
	u, err := a.store.UserByID(ctx, userID)
	if err != nil {
		return policy.Landing{}, err
	}
	entries, err := a.store.Entries(ctx, u.ID, u.FavouriteAccountID, "", 0)
	if err != nil {
		return policy.Landing{}, err
	}
	return policy.Land(entries, u.FavouriteAccountID), nil
}
