package app

import (
	"context"
	"slices"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// reach is what a role lets its holder do in one account: its permissions, and the
// lists and campaigns it is limited to (nil: all of them). Nobody acts above their own
// level: a caller may grant a role, or change, deactivate or remove a member, only
// when that reach lies within the caller's own (reach.covers).
type reach struct {
	perms     domain.PermissionSet
	lists     []int64
	campaigns []int64
}

// unlimited is the reach of the given permissions over every resource.
func unlimited(perms domain.PermissionSet) reach { return reach{perms: perms} }

// covers returns nil when o lies within r, and otherwise an EFORBIDDEN error saying
// what of o reaches beyond r (subject names o: "Administrator", "jane@example.com").
// A scope matters only for the resources o's permissions touch.
func (r reach) covers(o reach, verb, subject string) error {
	for _, p := range domain.Catalogue { // catalogue order: the message names the first
		if o.perms.Has(p) && !r.perms.Has(p) {
			return domain.Errorf(domain.EFORBIDDEN, "You cannot %s %s: that includes “%s”, which your own role lacks.",
				verb, subject, domain.PermissionLabel(p))
		}
	}
	touchesLists := o.perms.Has(domain.PermListsView) || o.perms.Has(domain.PermListsEdit)
	if touchesLists && !within(o.lists, r.lists) {
		return domain.Errorf(domain.EFORBIDDEN, "You cannot %s %s: that reaches lists beyond the ones your own role is limited to.", verb, subject)
	}
	touchesCampaigns := o.perms.Has(domain.PermCampaignsView) || o.perms.Has(domain.PermCampaignsEdit) || o.perms.Has(domain.PermCampaignsPublish)
	if touchesCampaigns && !within(o.campaigns, r.campaigns) {
		return domain.Errorf(domain.EFORBIDDEN, "You cannot %s %s: that reaches campaigns beyond the ones your own role is limited to.", verb, subject)
	}
	return nil
}

// within reports whether the ids a reaches lie within those b reaches (nil: all).
func within(a, b []int64) bool {
	if b == nil {
		return true
	}
	if a == nil {
		return false
	}
	for _, id := range a {
		if !slices.Contains(b, id) {
			return false
		}
	}
	return true
}

// callerReach is the reach of the caller in the current account.
func (a *App) callerReach(ctx context.Context, access domain.Access) (reach, error) {
	r := reach{perms: access.Permissions}
	var err error
	if r.lists, err = a.visibleIDs(ctx, access, ScopeList); err != nil {
		return r, err
	}
	r.campaigns, err = a.visibleIDs(ctx, access, ScopeCampaign)
	return r, err
}

// roleReach is the reach a role gives on its own (no membership scope).
func roleReach(role domain.Role) reach {
	r := reach{perms: domain.NewPermissionSet(role.Permissions)}
	for _, s := range role.Scope {
		switch s.Type {
		case ScopeList:
			r.lists = append(r.lists, s.ID)
		case ScopeCampaign:
			r.campaigns = append(r.campaigns, s.ID)
		}
	}
	return r
}

// limitLists narrows a reach's lists to a membership scope (none: no narrowing).
func (r reach) limitLists(ids []int64) reach {
	switch {
	case len(ids) == 0:
	case r.lists == nil:
		r.lists = ids
	default:
		both := []int64{}
		for _, id := range ids {
			if slices.Contains(r.lists, id) {
				both = append(both, id)
			}
		}
		r.lists = both
	}
	return r
}

// memberReach is the reach of a member of the locked account: their role's, narrowed
// by the membership's own list scope.
func memberReach(ctx context.Context, tx *store.Tx, accountID int64, m domain.Member) (reach, error) {
	role, err := tx.RoleForAccount(ctx, accountID, m.RoleID)
	if err != nil {
		return reach{}, err
	}
	scopes, err := tx.MemberScopes(ctx, accountID, []int64{m.UserID})
	if err != nil {
		return reach{}, err
	}
	var ids []int64
	for _, s := range scopes[m.UserID] {
		if s.Type == ScopeList {
			ids = append(ids, s.ID)
		}
	}
	return roleReach(role).limitLists(ids), nil
}

// canGrant refuses the Owner role (ownership only moves by transfer) and a role that
// reaches beyond the granter's own.
func canGrant(granter reach, role domain.Role) error {
	if role.ID == domain.OwnerRoleID {
		return domain.FieldError("role", "Ownership cannot be granted; the owner transfers it from the members list.")
	}
	if err := granter.covers(roleReach(role), "grant", role.Name); err != nil {
		return domain.FieldError("role", domain.ErrorMessage(err))
	}
	return nil
}

// checkCovers refuses to act on a member whose reach lies beyond the caller's.
func checkCovers(ctx context.Context, tx *store.Tx, caller reach, accountID int64, m domain.Member, verb string) error {
	r, err := memberReach(ctx, tx, accountID, m)
	if err != nil {
		return err
	}
	return caller.covers(r, verb, m.FullName+" ("+m.RoleName+")")
}
