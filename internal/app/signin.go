package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
var ErrSSOOnly = domain.Errorf(domain.EFORBIDDEN, "Your organisation signs you in through single sign-on: enter your email, then sign in at your identity provider.")

// MaxEmailLen is the longest email address, in bytes (RFC 5321's path less its
// angle brackets).
const MaxEmailLen = 254

// CheckSignInEmail returns the normalised form of an email typed to sign in, or an
// EINVALID error on field "email" when it cannot be anyone's address: empty, longer
// than MaxEmailLen, not valid UTF-8, holding a control character (NUL included) or
// white space, or without an "@" between a local part and a domain. Sign-in refuses
// such an email before any hashing or database work.
func CheckSignInEmail(email string) (string, error) {
	switch {
	case strings.TrimSpace(email) == "":
		return "", domain.FieldError("email", "Enter the email address you sign in with.")
	case len(email) > MaxEmailLen:
		return "", domain.FieldError("email", fmt.Sprintf("That is too long for an email address (at most %d characters).", MaxEmailLen))
	}
	email, err := LoginEmail("email", email)
	if err != nil {
		return "", errEmailInvalid
	}
	return email, nil
}

var errEmailInvalid = domain.FieldError("email", "That is not an email address. Enter one like name@example.com.")

// SignInStateFor returns the sign-in state of the user with email (normalised by
// CheckSignInEmail), for a sign-in whose first step is single sign-on: the email step
// sends such a user to their identity provider (the one deliberate exception to
// revealing nothing at the email step). Unknown emails give a state with UserID 0.
func (a *App) SignInStateFor(ctx context.Context, email string) (SignInState, error) {
	email, err := CheckSignInEmail(email)
	if err != nil {
		return SignInState{}, err
	}
	f, err := a.store.SignInFacts(ctx, email, "", "")
	if err != nil {
		return SignInState{}, err
	}
	if f.User.Disabled {
		f = store.SignInFacts{}
	}
	return stateOf(ctx, a.store.Q, f)
}

// Failed password attempts are counted under these keys (login_throttles.key).
func emailThrottleKey(normalisedEmail string) string { return "email:" + normalisedEmail }

func ipThrottleKey(ip string) string {
	if ip == "" {
		return ""
	}
	return "ip:" + ip
}

// verifyAttempt checks password against the hash of the facts read for email while a
// password attempt of email from ip reserves its place in the throttle: the attempt
// is decided under the keys of the email and the address (store.BeginSignInAttempt),
// by check and then checkAttempts, and when allowed it counts as a failure at once,
// before the hash. Attempts in parallel, on this server or another, therefore each see
// the ones before them, and those beyond the allowance are refused without hashing. A
// wrong password needs nothing more; a right one settles the attempt afterwards
// (StartSession, ChangePassword). The reservation is made only once the hasher admits
// the attempt (auth.Hasher.VerifyClaimed), so right passwords queued for hashing do
// not pile up as failures of their address. check may query through q, the
// attempt's own connection, while the keys are held.
func (a *App) verifyAttempt(ctx context.Context, email, ip, password string,
	check func(q store.Q, f store.SignInFacts) error) (f store.SignInFacts, rehash bool, err error) {
	rehash, err = a.hasher.VerifyClaimed(ctx, password, func() (string, error) {
		att, facts, err := a.store.BeginSignInAttempt(ctx, email, emailThrottleKey(email), ipThrottleKey(ip))
		if err != nil {
			return "", err
		}
		defer att.Release(ctx)
		f = facts
		if err := check(att.Q(), f); err != nil {
			return "", err
		}
		if err := a.checkAttempts(f); err != nil {
			return "", err
		}
		return f.PasswordHash, att.Reserve(ctx)
	})
	return f, rehash, err
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
	return tooMany("Too many failed sign-in attempts.", t.Wait)
}

// PasswordSignIn checks an email and password. An email CheckSignInEmail refuses gives
// its EINVALID error before any hashing or database work. Unknown emails, users
// without a password, disabled users and wrong passwords all give ErrBadCredentials
// after the same amount of hashing, and each counts as a failed attempt for the email
// and the address, counted before the hash (verifyAttempt) so that parallel attempts
// cannot outrun the throttle. Attempts the throttle refuses (policy.CheckAttempts) give
// ETOOMANY before any hashing, the same for known and unknown emails; an account that
// signs in only through single sign-on refuses the password with ErrSSOOnly, also
// before hashing. On success it re-hashes the password when the parameters have risen
// and returns the user; the caller then starts their session with StartSession
// (AfterPassword set), which settles the attempt. A password no user can have
// (checkSecret) gives EINVALID before anything is read, hashed or counted.
func (a *App) PasswordSignIn(ctx context.Context, email, password, ip string) (SignInState, error) {
	email, err := CheckSignInEmail(email)
	if err != nil {
		return SignInState{}, err
	}
	if err := checkSecret("password", password); err != nil {
		return SignInState{}, err
	}
	var st SignInState
	f, rehash, verr := a.verifyAttempt(ctx, email, ip, password, func(q store.Q, f store.SignInFacts) error {
		// The password step is taken only where the policy asks for it: posting a
		// password cannot skip an account's single sign-on.
		var err error
		if st, err = stateOf(ctx, q, f); err != nil {
			return err
		}
		if steps := st.Owed(policy.Proof{}); len(steps) > 0 && steps[0].Kind == policy.StepSSO {
			return ErrSSOOnly
		}
		return nil
	})
	u := f.User
	if verr != nil || u.ID == 0 || u.Disabled {
		if verr != nil && !errors.Is(verr, auth.ErrMismatch) {
			return SignInState{}, verr
		}
		// Already counted as a failure when the attempt was reserved.
		return SignInState{}, ErrBadCredentials
	}
	if rehash {
		newHash, err := a.hasher.Hash(ctx, password)
		if err != nil {
			return SignInState{}, err
		}
		if err := a.store.SetPasswordHash(ctx, u.ID, newHash); err != nil {
			return SignInState{}, err
		}
	}
	return st, nil
}

// SettleSignInAttempt settles the password attempt of a sign-in that goes on to
// further steps (the sign-in itself is recorded only when they are done): the email's
// failed attempts are forgotten and the failure the attempt reserved against the
// address is given back, as StartSession does for a sign-in the password completes.
func (a *App) SettleSignInAttempt(ctx context.Context, st SignInState, ip string) error {
	return a.store.SettleLoginAttempt(ctx, emailThrottleKey(NormaliseEmail(st.Email)), ipThrottleKey(ip))
}

// userAgentMax bounds the browser description kept with a session.
const userAgentMax = 300

// MethodPassword is the password sign-in method, as the session and the activity log
// name it.
const MethodPassword = policy.MethodPassword

// proofLabel names what a sign-in proved, in the activity log.
func proofLabel(p policy.Proof, second string) string {
	label := "Password"
	if p.Method == policy.MethodSSO {
		label = "Single sign-on"
	}
	if second != "" {
		label += " and " + second
	}
	return label
}

// StartSession records a completed sign-in under the session's fresh token: the
// session's row, owned by the user (so they can list and end it), the sign-in time,
// the end of the email's failed attempts and the audit event "Sign in > …" naming what
// was proven, all at once. settle is true when the password attempt of this sign-in
// reserved a failure against the address that is to be given back (a sign-in the
// password completed; a sign-in with further steps settled it at the password step:
// SettleSignInAttempt).
func (a *App) StartSession(ctx context.Context, u domain.User, proof policy.Proof, token string, s domain.SessionStart, settle bool) error {
	ipKey := ""
	if settle {
		ipKey = ipThrottleKey(s.IP)
	}
	second := ""
	if proof.MFA {
		second = "two-factor authentication"
	}
	s.UserAgent = clipUserAgent(s.UserAgent)
	return a.store.RecordSignIn(ctx, u.ID, u.Email, emailThrottleKey(NormaliseEmail(u.Email)), ipKey, "Sign in > "+proofLabel(proof, second),
		auth.HashToken(token), s)
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
	entries, err := a.store.LandingEntries(ctx, u.ID, u.FavouriteAccountID)
	if err != nil {
		return policy.Landing{}, err
	}
	return policy.Land(entries, u.FavouriteAccountID), nil
}
