package app

import (
	"context"
	"errors"
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
var ErrSSOOnly = domain.Errorf(domain.EFORBIDDEN, "Your organisation signs you in through single sign-on, which is not set up on this server yet.")

// SignInSteps returns what a user identified by email still owes under the login
// policy of their favourite account. Unknown emails get the password step too, so the
// answer reveals nothing.
func (a *App) SignInSteps(ctx context.Context, email string, proof policy.Proof) ([]policy.Step, error) {
	f, err := a.signInFacts(ctx, NormaliseEmail(email))
	if err != nil {
		return nil, err
	}
	return a.steps(ctx, f, proof)
}

// signInFacts reads what signing in needs about email; an unknown email gives zero
// facts (no user, no password hash), not an error.
func (a *App) signInFacts(ctx context.Context, email string) (store.SignInFacts, error) {
	f, err := a.store.SignInFacts(ctx, email)
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return store.SignInFacts{}, err
	}
	return f, nil
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
// same amount of hashing; an account that signs in only through single sign-on refuses
// the password with ErrSSOOnly before any hashing. On success it records the sign-in, re-hashes the password
// when the parameters have risen, and audits "Sign in".
func (a *App) PasswordSignIn(ctx context.Context, email, password, ip string) (domain.User, error) {
	f, err := a.signInFacts(ctx, NormaliseEmail(email))
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
	u := f.User
	rehash, verr := a.hasher.Verify(ctx, password, f.PasswordHash)
	if verr != nil || u.ID == 0 || u.Disabled {
		if verr != nil && !errors.Is(verr, auth.ErrMismatch) {
			return domain.User{}, verr
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
	return u, a.store.RecordSignIn(ctx, u.ID, u.Email, "Sign in > Password", ip)
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
