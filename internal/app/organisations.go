package app

import (
	"context"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// OrganisationView is what an organisation owner sees on the organisation page.
type OrganisationView struct {
	Organisation domain.Organisation
	Accounts     []domain.Account
	OwnerCount   int
}

// Organisation returns the organisation page for one of its owners; anyone else gets
// ENOTFOUND.
func (a *App) Organisation(ctx context.Context, userID int64, slug string) (OrganisationView, error) {
	o, err := a.store.OwnedOrganisation(ctx, userID, slug)
	if err != nil {
		return OrganisationView{}, err
	}
	accounts, err := a.store.AccountsOfOrganisation(ctx, o.ID)
	if err != nil {
		return OrganisationView{}, err
	}
	n, err := a.store.OrganisationOwnerCount(ctx, o.ID)
	return OrganisationView{Organisation: o, Accounts: accounts, OwnerCount: n}, err
}

// OwnedOrganisations lists the organisations a user owns.
func (a *App) OwnedOrganisations(ctx context.Context, userID int64) ([]domain.Organisation, error) {
	return a.store.OwnedOrganisations(ctx, userID)
}

// OwnedOrganisation returns the organisation with that slug when userID owns it, and
// ENOTFOUND otherwise (non-owners cannot tell whether it exists).
func (a *App) OwnedOrganisation(ctx context.Context, userID int64, slug string) (domain.Organisation, error) {
	return a.store.OwnedOrganisation(ctx, userID, slug)
}

// AccountSettings is what an account's settings page shows.
type AccountSettings struct {
	OwnerEmail string
	// CanClose is true for the one caller who may close the account: its owner.
	CanClose bool
	// CanLeave is true for a caller who may leave it: an active member, not the owner.
	CanLeave bool
	// CanSecurity is true for callers who may change its security settings.
	CanSecurity bool
}

// Settings returns the account's settings page data. Needs account.view.
func (a *App) Settings(ctx context.Context, h Access) (AccountSettings, error) {
	access, err := a.open(h)
	if err != nil {
		return AccountSettings{}, err
	}
	if !access.Permissions.Has(domain.PermAccountView) {
		return AccountSettings{}, forbidden(domain.PermAccountView)
	}
	owner, err := a.store.AccountOwnerEmail(ctx, access.Account.ID)
	return AccountSettings{OwnerEmail: owner, CanClose: access.Permissions.Has(domain.PermAccountClose),
		CanLeave:    access.MembershipStatus == domain.MembershipActive && access.RoleID != domain.OwnerRoleID,
		CanSecurity: access.Permissions.Has(domain.PermAccountSecurity)}, err
}

// RenameOrganisation renames an organisation. Only its owners may (others get
// ENOTFOUND); an empty or overlong name gives EINVALID. Audited.
func (a *App) RenameOrganisation(ctx context.Context, actor Actor, slug, name string) (domain.Organisation, error) {
	name, err := cleanName("name", name, 120)
	if err != nil {
		return domain.Organisation{}, err
	}
	var o domain.Organisation
	err = a.tx(ctx, func(tx *store.Tx) error {
		if o, err = tx.OwnedOrganisation(ctx, actor.UserID, slug); err != nil {
			return err
		}
		if err := tx.RenameOrganisation(ctx, o.ID, name); err != nil {
			return err
		}
		old := o.Name
		o.Name = name
		return audit(ctx, tx, actor, "Organisation > Rename > "+old+" → "+name, o.Name, 0, o.ID)
	})
	return o, err
}

// RemoveOrganisationOwner takes the owner role from userID. Organisation owners and
// staff may; removing the last owner gives EINVARIANT, even under concurrent removals
// (the database locks the organisation). Audited.
func (a *App) RemoveOrganisationOwner(ctx context.Context, actor Actor, orgSlug string, userID int64) error {
	return a.tx(ctx, func(tx *store.Tx) error {
		o, err := a.ownedOrStaff(ctx, tx, actor, orgSlug)
		if err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		if err := tx.RemoveOrganisationOwner(ctx, o.ID, userID); err != nil {
			if domain.ErrorCode(err) == domain.EINVARIANT {
				return domain.Errorf(domain.EINVARIANT, "%s is the last owner of %s; appoint another owner first.", u.Email, o.Name)
			}
			return err
		}
		return audit(ctx, tx, actor, "Organisation > Owners > Remove > "+u.Email, u.Email, 0, o.ID)
	})
}

func (a *App) ownedOrStaff(ctx context.Context, tx *store.Tx, actor Actor, slug string) (domain.Organisation, error) {
	if actor.IsStaff {
		return tx.OrganisationBySlug(ctx, slug)
	}
	return tx.OwnedOrganisation(ctx, actor.UserID, slug)
}
