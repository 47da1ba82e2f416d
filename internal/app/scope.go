package app

import (
	"context"
	"slices"

	"atrium/internal/domain"
)

// Resource types a scope can name.
const (
	ScopeList     = "list"
	ScopeCampaign = "campaign"
)

// visibleIDs returns the ids of resourceType ("list" or "campaign") the caller may see
// and change in the current account; nil means all of them. A membership scope (a List
// manager limited to chosen lists) and a custom role's scope each limit the caller when
// they name something of resourceType; when both do, only ids in both are visible.
// Organisation owners, owners and administrators are never limited. It costs one small
// query, and none for those never limited.
func (a *App) visibleIDs(ctx context.Context, access domain.Access, resourceType string) ([]int64, error) {
	if access.OrgOwner || access.RoleID == domain.OwnerRoleID || access.RoleID == domain.AdministratorRoleID {
		return nil, nil
	}
	var customRole int64
	if _, predefined := domain.PredefinedRoleByID(access.RoleID); !predefined {
		customRole = access.RoleID
	}
	member, role, err := a.store.WorkspaceScope(ctx, access.Account.ID, access.User.ID, customRole, resourceType)
	switch {
	case err != nil:
		return nil, err
	case member == nil:
		return role, nil
	case role == nil:
		return member, nil
	}
	both := []int64{}
	for _, id := range member {
		if slices.Contains(role, id) {
			both = append(both, id)
		}
	}
	return both, nil
}

// visible reports whether id is among ids (nil: everything is visible).
func visible(ids []int64, id int64) bool { return ids == nil || slices.Contains(ids, id) }
