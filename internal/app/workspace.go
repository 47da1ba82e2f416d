package app

import (
	"context"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// The account workspace: campaigns and contact lists. Every method re-checks the
// caller's permission (the routes check it too), keeps to the caller's resource scope
// (anything outside it is ENOTFOUND, like another tenant's id) and filters every query
// by the caller's account. Changes are audited in their transaction.

// CampaignsPage is one page of an account's campaigns, newest first.
type CampaignsPage struct {
	Campaigns []domain.Campaign
	Page      int
	More      bool
	// Scoped is true when the caller sees only chosen campaigns (and cannot create).
	Scoped bool
	// CanCreate is true when the caller may create campaigns: campaigns.edit, and not
	// limited to chosen ones (what they created would fall outside their scope).
	CanCreate bool
}

// ListsPage is one page of an account's lists, by name.
type ListsPage struct {
	Lists []domain.List
	Page  int
	More  bool
	// Scoped is true when the caller sees only chosen lists (and cannot create).
	Scoped bool
	// CanCreate is true when the caller may create lists: lists.edit, and not limited
	// to chosen ones.
	CanCreate bool
}

// ListView is one list with a page of its contacts, newest first.
type ListView struct {
	List     domain.List
	Contacts []domain.Contact
	Page     int
	More     bool
}

func workspacePermission(access domain.Access, p domain.Permission) error {
	if !access.Permissions.Has(p) {
		return domain.Errorf(domain.EFORBIDDEN, "Your role does not include the permission %q.", string(p))
	}
	return nil
}

func workspaceNotFound() error { return domain.Errorf(domain.ENOTFOUND, "Page not found.") }

// Campaigns lists one page of the campaigns the caller may see. Needs campaigns.view.
func (a *App) Campaigns(ctx context.Context, h Access, page int) (CampaignsPage, error) {
	access, err := a.open(h)
	if err != nil {
		return CampaignsPage{}, err
	}
	if err := workspacePermission(access, domain.PermCampaignsView); err != nil {
		return CampaignsPage{}, err
	}
	ids, err := a.visibleIDs(ctx, access, ScopeCampaign)
	if err != nil {
		return CampaignsPage{}, err
	}
	page = max(page, 1)
	cs, err := a.store.Campaigns(ctx, access.Account.ID, ids, page)
	p := CampaignsPage{Campaigns: cs, Page: page, Scoped: ids != nil,
		CanCreate: access.Permissions.Has(domain.PermCampaignsEdit) && ids == nil}
	if len(cs) > store.WorkspacePageSize {
		p.Campaigns, p.More = cs[:store.WorkspacePageSize], true
	}
	return p, err
}

// Campaign returns one campaign the caller may see; ENOTFOUND for any other. Needs
// campaigns.view.
func (a *App) Campaign(ctx context.Context, h Access, campaignID int64) (domain.Campaign, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Campaign{}, err
	}
	if err := workspacePermission(access, domain.PermCampaignsView); err != nil {
		return domain.Campaign{}, err
	}
	if err := a.mayReach(ctx, access, ScopeCampaign, campaignID); err != nil {
		return domain.Campaign{}, err
	}
	return a.store.Campaign(ctx, access.Account.ID, campaignID)
}

// CreateCampaign adds a draft campaign. Needs campaigns.edit and an unscoped caller
// (a new campaign would fall outside a scope). Audited.
func (a *App) CreateCampaign(ctx context.Context, actor Actor, h Access, name string) (domain.Campaign, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Campaign{}, err
	}
	if err := a.mayCreate(ctx, access, domain.PermCampaignsEdit, ScopeCampaign); err != nil {
		return domain.Campaign{}, err
	}
	name, err = cleanName("name", name, 120)
	if err != nil {
		return domain.Campaign{}, err
	}
	var c domain.Campaign
	err = a.tx(ctx, func(tx *store.Tx) error {
		if c, err = tx.CreateCampaign(ctx, access.Account.ID, name); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Campaigns > Create > "+c.Name, c.Name, access.Account.ID, access.Organisation.ID)
	})
	return c, err
}

// RenameCampaign renames a campaign the caller may see. Needs campaigns.edit. Audited.
func (a *App) RenameCampaign(ctx context.Context, actor Actor, h Access, campaignID int64, name string) (domain.Campaign, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Campaign{}, err
	}
	if err := workspacePermission(access, domain.PermCampaignsEdit); err != nil {
		return domain.Campaign{}, err
	}
	if err := a.mayReach(ctx, access, ScopeCampaign, campaignID); err != nil {
		return domain.Campaign{}, err
	}
	name, err = cleanName("name", name, 120)
	if err != nil {
		return domain.Campaign{}, err
	}
	var c domain.Campaign
	err = a.tx(ctx, func(tx *store.Tx) error {
		old, err := tx.LockCampaign(ctx, access.Account.ID, campaignID)
		if err != nil || old.Name == name {
			c = old
			return err
		}
		if c, err = tx.RenameCampaign(ctx, access.Account.ID, campaignID, name); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Campaigns > Rename > "+old.Name+" → "+c.Name, c.Name, access.Account.ID, access.Organisation.ID)
	})
	return c, err
}

// PublishCampaign publishes a draft campaign the caller may see; a published one gives
// ECONFLICT saying so. Needs campaigns.publish. Audited.
func (a *App) PublishCampaign(ctx context.Context, actor Actor, h Access, campaignID int64) (domain.Campaign, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Campaign{}, err
	}
	if err := workspacePermission(access, domain.PermCampaignsPublish); err != nil {
		return domain.Campaign{}, err
	}
	if err := a.mayReach(ctx, access, ScopeCampaign, campaignID); err != nil {
		return domain.Campaign{}, err
	}
	var c domain.Campaign
	err = a.tx(ctx, func(tx *store.Tx) error {
		old, err := tx.LockCampaign(ctx, access.Account.ID, campaignID)
		if err != nil {
			return err
		}
		if old.Status != "draft" {
			c = old
			return domain.Errorf(domain.ECONFLICT, "%s is already published; only a draft can be published.", old.Name)
		}
		if c, err = tx.PublishCampaign(ctx, access.Account.ID, campaignID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Campaigns > Publish > "+c.Name, c.Name, access.Account.ID, access.Organisation.ID)
	})
	return c, err
}

// Lists lists one page of the lists the caller may see, with their kept contact
// counts. Needs lists.view.
func (a *App) Lists(ctx context.Context, h Access, page int) (ListsPage, error) {
	access, err := a.open(h)
	if err != nil {
		return ListsPage{}, err
	}
	if err := workspacePermission(access, domain.PermListsView); err != nil {
		return ListsPage{}, err
	}
	ids, err := a.visibleIDs(ctx, access, ScopeList)
	if err != nil {
		return ListsPage{}, err
	}
	page = max(page, 1)
	ls, err := a.store.Lists(ctx, access.Account.ID, ids, page)
	p := ListsPage{Lists: ls, Page: page, Scoped: ids != nil,
		CanCreate: access.Permissions.Has(domain.PermListsEdit) && ids == nil}
	if len(ls) > store.WorkspacePageSize {
		p.Lists, p.More = ls[:store.WorkspacePageSize], true
	}
	return p, err
}

// List returns a list the caller may see with one page of its contacts; ENOTFOUND for
// any other. Needs lists.view.
func (a *App) List(ctx context.Context, h Access, listID int64, page int) (ListView, error) {
	access, err := a.open(h)
	if err != nil {
		return ListView{}, err
	}
	if err := workspacePermission(access, domain.PermListsView); err != nil {
		return ListView{}, err
	}
	if err := a.mayReach(ctx, access, ScopeList, listID); err != nil {
		return ListView{}, err
	}
	l, err := a.store.List(ctx, access.Account.ID, listID)
	if err != nil {
		return ListView{}, err
	}
	page = max(page, 1)
	cs, err := a.store.Contacts(ctx, access.Account.ID, l.ID, page)
	v := ListView{List: l, Contacts: cs, Page: page}
	if len(cs) > store.WorkspacePageSize {
		v.Contacts, v.More = cs[:store.WorkspacePageSize], true
	}
	return v, err
}

// CreateList adds an empty list. Needs lists.edit and an unscoped caller. Audited.
func (a *App) CreateList(ctx context.Context, actor Actor, h Access, name string) (domain.List, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.List{}, err
	}
	if err := a.mayCreate(ctx, access, domain.PermListsEdit, ScopeList); err != nil {
		return domain.List{}, err
	}
	name, err = cleanName("name", name, 120)
	if err != nil {
		return domain.List{}, err
	}
	var l domain.List
	err = a.tx(ctx, func(tx *store.Tx) error {
		if l, err = tx.CreateList(ctx, access.Account.ID, name); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Lists > Create > "+l.Name, l.Name, access.Account.ID, access.Organisation.ID)
	})
	return l, err
}

// RenameList renames a list the caller may see. Needs lists.edit. Audited.
func (a *App) RenameList(ctx context.Context, actor Actor, h Access, listID int64, name string) (domain.List, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.List{}, err
	}
	if err := workspacePermission(access, domain.PermListsEdit); err != nil {
		return domain.List{}, err
	}
	if err := a.mayReach(ctx, access, ScopeList, listID); err != nil {
		return domain.List{}, err
	}
	name, err = cleanName("name", name, 120)
	if err != nil {
		return domain.List{}, err
	}
	var l domain.List
	err = a.tx(ctx, func(tx *store.Tx) error {
		old, err := tx.LockList(ctx, access.Account.ID, listID)
		if err != nil || old.Name == name {
			l = old
			return err
		}
		if l, err = tx.RenameList(ctx, access.Account.ID, listID, name); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Lists > Rename > "+old.Name+" → "+l.Name, l.Name, access.Account.ID, access.Organisation.ID)
	})
	return l, err
}

// AddContact puts an address (and an optional name) on a list the caller may see and
// raises the list's contact count in the same transaction. An address already on the
// list gives EINVALID on the email field. Needs lists.edit. Audited.
func (a *App) AddContact(ctx context.Context, actor Actor, h Access, listID int64, email, fullName string) (domain.Contact, domain.List, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Contact{}, domain.List{}, err
	}
	if err := workspacePermission(access, domain.PermListsEdit); err != nil {
		return domain.Contact{}, domain.List{}, err
	}
	if err := a.mayReach(ctx, access, ScopeList, listID); err != nil {
		return domain.Contact{}, domain.List{}, err
	}
	email, err = cleanEmail("email", email)
	if err != nil {
		return domain.Contact{}, domain.List{}, err
	}
	if fullName, err = cleanOptionalName("full_name", fullName, 120); err != nil {
		return domain.Contact{}, domain.List{}, err
	}
	var c domain.Contact
	var l domain.List
	err = a.tx(ctx, func(tx *store.Tx) error {
		if l, err = tx.LockList(ctx, access.Account.ID, listID); err != nil {
			return err
		}
		if c, err = tx.AddContact(ctx, access.Account.ID, l.ID, email, fullName); err != nil {
			if domain.ErrorCode(err) == domain.ECONFLICT {
				return domain.FieldError("email", email+" is already on this list.")
			}
			return err
		}
		l.ContactCount++
		return audit(ctx, tx, actor, "Lists > Add contact > "+c.Email+" ("+l.Name+")", c.Email, access.Account.ID, access.Organisation.ID)
	})
	return c, l, err
}

// mayReach gives ENOTFOUND unless the caller's scope lets them reach the resource.
func (a *App) mayReach(ctx context.Context, access domain.Access, resourceType string, id int64) error {
	ids, err := a.visibleIDs(ctx, access, resourceType)
	if err != nil {
		return err
	}
	if !visible(ids, id) {
		return workspaceNotFound()
	}
	return nil
}

// mayCreate checks perm and that the caller is not limited to chosen resources of
// resourceType: what they created would fall outside their own scope.
func (a *App) mayCreate(ctx context.Context, access domain.Access, perm domain.Permission, resourceType string) error {
	if err := workspacePermission(access, perm); err != nil {
		return err
	}
	ids, err := a.visibleIDs(ctx, access, resourceType)
	if err != nil {
		return err
	}
	if ids != nil {
		return domain.Errorf(domain.EFORBIDDEN, "Your access is limited to chosen %ss, so you cannot create new ones; ask an administrator.", resourceType)
	}
	return nil
}
