package app

import (
	"context"

	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/internal/store"
)

// Access loads what userID may do in the account with that slug, in one query, as a
// handle the account's use cases accept. It returns ENOTFOUND when the account does
// not exist or the user never belonged to it (no existence leak), EREVOKED when their
// membership was deactivated or removed, ECLOSED when the account is closed, and
// EUNAUTHORISED when the user is gone or disabled. With an error the handle opens
// nothing, but its View still carries the user (and what was found), so the caller can
// check the session epoch and render the refusal.
func (a *App) Access(ctx context.Context, userID int64, slug string) (Access, error) {
	if !validSlug(slug) {
		return Access{}, domain.Errorf(domain.ENOTFOUND, "Page not found.")
	}
	row, err := a.store.Access(ctx, userID, slug)
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return Access{}, domain.Errorf(domain.EUNAUTHORISED, "Please sign in.")
		}
		return Access{}, err
	}
	acc := domain.Access{User: row.User, Account: row.Account, Organisation: row.Organisation,
		MembershipStatus: row.MembershipStatus, OrgOwner: row.OrgOwner}
	if row.User.Disabled {
		return Access{d: acc}, domain.Errorf(domain.EUNAUTHORISED, "Please sign in.")
	}
	if !row.AccountFound {
		return Access{d: acc}, domain.Errorf(domain.ENOTFOUND, "Page not found.")
	}
	roleID, roleName, err := policy.EntryRole(row.Account.Name, row.Account.Status, row.MembershipStatus, row.RoleID, row.RoleName, row.OrgOwner)
	if err != nil {
		return Access{d: acc}, err
	}
	acc.RoleID, acc.RoleName = roleID, roleName
	acc.Permissions = permissionsOf(roleID, row.CustomPermissions)
	return Access{d: acc, loadedAt: a.now(), subject: policy.Subject{HasPassword: row.HasPassword, TOTPEnrolled: row.TOTPEnrolled,
		SSOIdentities: row.SSOIdentities}}, nil
}

// Entries returns one page of the accounts a user may enter (switcher, /accounts and
// profile): the first page (after 0) leads with the favourite and the accounts entered
// most recently; after is the After of the page before. query is cleaned like every
// search box (EINVALID when refused).
func (a *App) Entries(ctx context.Context, u domain.User, query string, after int64) (domain.EntryPage, error) {
	query, err := CleanQuery("q", query)
	if err != nil {
		return domain.EntryPage{}, err
	}
	return a.store.EntryPage(ctx, u.ID, u.FavouriteAccountID, query, after)
}

// RecordEntry records that the caller of h entered its account now, for "recently
// entered" and the landing fallback. The server calls it at most once per account per
// session, so ordinary page views write nothing.
func (a *App) RecordEntry(ctx context.Context, h Access) error {
	access, err := a.open(h)
	if err != nil {
		return err
	}
	return a.store.RecordEntry(ctx, access.User.ID, access.Account.ID, a.now())
}

// User returns a user by id; EUNAUTHORISED when missing or disabled.
func (a *App) User(ctx context.Context, userID int64) (domain.User, error) {
	u, err := a.store.UserByID(ctx, userID)
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return u, domain.Errorf(domain.EUNAUTHORISED, "Please sign in.")
		}
		return u, err
	}
	if u.Disabled {
		return u, domain.Errorf(domain.EUNAUTHORISED, "Please sign in.")
	}
	return u, nil
}

// SetFavourite makes the account with that slug the user's favourite. Only an account
// the user may enter now can become the favourite (ENOTFOUND otherwise). Audited.
func (a *App) SetFavourite(ctx context.Context, actor Actor, slug string) (domain.Account, error) {
	h, err := a.Access(ctx, actor.UserID, slug)
	if err != nil {
		if c := domain.ErrorCode(err); c == domain.EREVOKED || c == domain.ECLOSED {
			return domain.Account{}, domain.Errorf(domain.ENOTFOUND, "Page not found.")
		}
		return domain.Account{}, err
	}
	access := h.d
	err = a.tx(ctx, func(tx *store.Tx) error {
		if err := tx.SetFavourite(ctx, actor.UserID, access.Account.ID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Profile > Favourite account", access.Account.Name, access.Account.ID, access.Organisation.ID)
	})
	return access.Account, err
}

// BumpSessionEpoch ends every session of userID on its next request. Staff only, or
// the user themself. Audited.
func (a *App) BumpSessionEpoch(ctx context.Context, actor Actor, userID int64) error {
	if !actor.IsStaff && actor.UserID != userID {
		return domain.Errorf(domain.EFORBIDDEN, "Only staff can end another user's sessions.")
	}
	return a.tx(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		if _, err := tx.BumpSessionEpoch(ctx, userID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Sessions > End all", u.Email, 0, 0)
	})
}

// permissionsOf returns the permissions of a predefined role, or of a custom role from
// its stored permission names (unknown names are ignored).
func permissionsOf(roleID int64, custom []string) domain.PermissionSet {
	if r, ok := domain.PredefinedRoleByID(roleID); ok {
		return domain.NewPermissionSet(r.Permissions)
	}
	perms, _ := domain.ParsePermissions(custom)
	return domain.NewPermissionSet(perms)
}

// ProfileAccounts is the account table of a user's profile.
type ProfileAccounts struct {
	domain.EntryPage
	// LandsIn names the account sign-in lands in when that is not the favourite
	// (worked out on the first page without a search only).
	LandsIn string
}

// ProfileAccounts returns one page of the accounts the user may enter (as Entries) and,
// on the first page without a search, where sign-in lands them when not in their
// favourite. No page counts the user's accounts.
func (a *App) ProfileAccounts(ctx context.Context, u domain.User, query string, after int64) (ProfileAccounts, error) {
	query, err := CleanQuery("q", query)
	if err != nil {
		return ProfileAccounts{}, err
	}
	page, err := a.store.EntryPage(ctx, u.ID, u.FavouriteAccountID, query, after)
	if err != nil {
		return ProfileAccounts{}, err
	}
	p := ProfileAccounts{EntryPage: page}
	if after != 0 || query != "" {
		return p, nil
	}
	if len(page.Recent) > 0 && page.Recent[0].AccountID == u.FavouriteAccountID {
		return p, nil // the favourite can be entered: sign-in lands there
	}
	candidates, err := a.store.LandingEntries(ctx, u.ID, u.FavouriteAccountID)
	if err != nil {
		return p, err
	}
	if land := policy.Land(candidates, u.FavouriteAccountID); !land.None && land.Entry.AccountID != u.FavouriteAccountID {
		p.LandsIn = land.Entry.AccountName
	}
	return p, nil
}
