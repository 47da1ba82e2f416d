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

// SignInSteps returns what a user identified by email still owes under the login
// policy of their favourite account. Unknown emails get the password step too, so the
// answer reveals nothing.
func (a *App) SignInSteps(ctx context.Context, email string, proof policy.Proof) ([]policy.Step, error) {
	u, hash, err := a.store.Credentials(ctx, NormaliseEmail(email))
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return []policy.Step{policy.StepPassword}, nil
		}
		return nil, err
	}
	settings, err := a.governingSettings(ctx, u)
	if err != nil {
		return nil, err
	}
	return policy.Steps(settings, policy.Subject{HasPassword: hash != ""}, proof), nil
}

// governingSettings returns the settings of the account whose login rules apply to u:
// the favourite, or the landing fallback when the favourite is gone.
func (a *App) governingSettings(ctx context.Context, u domain.User) (policy.Settings, error) {
	entries, err := a.store.Entries(ctx, u.ID, u.FavouriteAccountID, "", 0)
	if err != nil {
		return policy.Settings{}, err
	}
	land := policy.Land(entries, u.FavouriteAccountID)
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
// same amount of hashing. On success it records the sign-in, re-hashes the password
// when the parameters have risen, and audits "Sign in".
func (a *App) PasswordSignIn(ctx context.Context, email, password, ip string) (domain.User, error) {
	email = NormaliseEmail(email)
	u, hash, err := a.store.Credentials(ctx, email)
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return domain.User{}, err
	}
	rehash, verr := a.hasher.Verify(ctx, password, hash)
	if verr != nil || u.ID == 0 || u.Disabled {
		if verr != nil && !errors.Is(verr, auth.ErrMismatch) {
			return domain.User{}, verr
		}
		return domain.User{}, ErrBadCredentials
	}
	var newHash string
	if rehash {
		if newHash, err = a.hasher.Hash(ctx, password); err != nil {
			return domain.User{}, err
		}
	}
	err = a.tx(ctx, func(tx *store.Tx) error {
		if newHash != "" {
			if err := tx.SetPasswordHash(ctx, u.ID, newHash); err != nil {
				return err
			}
		}
		if err := tx.RecordLogin(ctx, u.ID); err != nil {
			return err
		}
		return audit(ctx, tx, Actor{UserID: u.ID, Email: u.Email, IP: ip}, "Sign in > Password", u.Email, 0, 0)
	})
	return u, err
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
