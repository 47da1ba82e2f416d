package app

import (
	"context"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// A disabled user cannot sign in, and every request of a session they still hold is
// refused (the access query reads the flag on each request). Staff disable anyone but
// themselves; organisation owners only users their organisation manages.

// SetOrgUserDisabled disables (or enables again) a user the organisation manages:
// disabling also ends every session they have. Owners only; refused for users who also
// belong elsewhere (EFORBIDDEN) and for oneself (EINVALID). Audited.
func (a *App) SetOrgUserDisabled(ctx context.Context, actor Actor, orgSlug string, userID int64, disabled bool) (domain.OrgUser, error) {
	var out domain.OrgUser
	err := a.orgUserChange(ctx, actor, orgSlug, userID, func(tx *store.Tx, o domain.Organisation, u domain.OrgUser) error {
		out = u
		what := "disable them"
		if !disabled {
			what = "enable them"
		}
		if !u.Managed {
			return notManaged(u, o, what)
		}
		if u.UserID == actor.UserID {
			return domain.Errorf(domain.EINVALID, "You cannot disable yourself.")
		}
		action, err := setDisabled(ctx, tx, u.UserID, u.Disabled, disabled, u.Email)
		if err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Users > "+action+" > "+u.Email, u.Email, 0, o.ID)
	})
	return out, err
}

// SetUserDisabled disables (or enables again) any user but oneself, platform-wide
// (staff only). Audited.
func (a *App) SetUserDisabled(ctx context.Context, actor Actor, email string, disabled bool) (domain.User, error) {
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
		if u.ID == actor.UserID {
			return domain.FieldError("email", "You cannot disable yourself.")
		}
		action, err := setDisabled(ctx, tx, u.ID, u.Disabled, disabled, u.Email)
		if err != nil {
			return err
		}
		u.Disabled = disabled
		return audit(ctx, tx, actor, "Staff > Users > "+action+" > "+u.Email, u.Email, 0, 0)
	})
	return u, err
}

// setDisabled changes the flag (refusing a change to the state already held) and ends
// every session when disabling; it returns the audit verb.
func setDisabled(ctx context.Context, tx *store.Tx, userID int64, was, disabled bool, email string) (string, error) {
	if was == disabled {
		if disabled {
			return "", domain.Errorf(domain.EINVALID, "%s is already disabled.", email)
		}
		return "", domain.Errorf(domain.EINVALID, "%s is not disabled.", email)
	}
	if err := tx.SetUserDisabled(ctx, userID, disabled); err != nil {
		return "", err
	}
	if !disabled {
		return "Enable", nil
	}
	_, err := endAllSessions(ctx, tx, userID)
	return "Disable", err
}

// StaffUser returns who the user with email is (staff only): the console's user card.
func (a *App) StaffUser(ctx context.Context, actor Actor, email string) (domain.UserFacts, error) {
	if err := requireStaff(actor); err != nil {
		return domain.UserFacts{}, err
	}
	email, err := cleanEmail("email", email)
	if err != nil {
		return domain.UserFacts{}, err
	}
	f, err := a.store.UserFactsByEmail(ctx, email)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return f, domain.FieldError("email", "There is no user with that email.")
	}
	return f, err
}

// EndUserSessionsEverywhere signs any user out of every session (staff only). Audited.
func (a *App) EndUserSessionsEverywhere(ctx context.Context, actor Actor, email string) (int64, error) {
	if err := requireStaff(actor); err != nil {
		return 0, err
	}
	email, err := cleanEmail("email", email)
	if err != nil {
		return 0, err
	}
	var n int64
	err = a.tx(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByEmail(ctx, email)
		if err != nil {
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				return domain.FieldError("email", "There is no user with that email.")
			}
			return err
		}
		if n, err = endAllSessions(ctx, tx, u.ID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Staff > Users > Sign out everywhere > "+u.Email, u.Email, 0, 0)
	})
	return n, err
}
