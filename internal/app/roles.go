package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"atrium/internal/domain"
	"atrium/internal/store"
	"atrium/internal/textin"
)

// RoleInput is a submitted custom-role form: a name, permission names from the
// catalogue, and the ids of the lists and campaigns the role is limited to (none: all).
type RoleInput struct {
	Name        string
	Permissions []string
	Lists       []string
	Campaigns   []string
}

// RolesView is what the roles page shows, with what the caller may do there.
type RolesView struct {
	Predefined []domain.Role
	Custom     []domain.Role
	// Choices are the account's lists and campaigns a role may be limited to; loaded
	// only for callers holding roles.manage.
	Choices []domain.ScopeItem
	// CanManage is true when the caller may create, edit and delete custom roles.
	CanManage bool
	// Reassign maps each custom role still held by members to the roles the caller may
	// move them to before deleting it (only for callers who may also manage members).
	Reassign map[int64][]domain.Role
}

// RoleView is one custom role on its edit page.
type RoleView struct {
	Role    domain.Role
	Choices []domain.ScopeItem
}

// Roles lists the predefined roles and the account's custom roles with their
// permissions, scope and member count. Needs members.view.
func (a *App) Roles(ctx context.Context, h Access) (RolesView, error) {
	access, err := a.open(h)
	if err != nil {
		return RolesView{}, err
	}
	if !access.Permissions.Has(domain.PermMembersView) {
		return RolesView{}, rolesLack(domain.PermMembersView)
	}
	roles, err := a.store.RolesOfAccount(ctx, access.Account.ID)
	if err != nil {
		return RolesView{}, err
	}
	var v RolesView
	for _, r := range roles {
		if r.Predefined() {
			v.Predefined = append(v.Predefined, r)
		} else {
			v.Custom = append(v.Custom, r)
		}
	}
	v.CanManage = access.Permissions.Has(domain.PermRolesManage)
	if !v.CanManage {
		return v, nil
	}
	if v.Choices, err = a.store.ScopeChoices(ctx, access.Account.ID); err != nil {
		return v, err
	}
	if access.Permissions.Has(domain.PermMembersManage) {
		caller, err := a.callerReach(ctx, access)
		if err != nil {
			return v, err
		}
		v.Reassign = map[int64][]domain.Role{}
		for _, c := range v.Custom {
			if c.Members > 0 {
				v.Reassign[c.ID] = grantableRoles(caller, roles, c.ID)
			}
		}
	}
	return v, nil
}

// CustomRole returns one custom role of the account for editing, with its member count
// and the scope choices. Needs roles.manage; predefined roles and other accounts' roles
// give ENOTFOUND.
func (a *App) CustomRole(ctx context.Context, h Access, roleID int64) (RoleView, error) {
	access, err := a.open(h)
	if err != nil {
		return RoleView{}, err
	}
	if !access.Permissions.Has(domain.PermRolesManage) {
		return RoleView{}, rolesLack(domain.PermRolesManage)
	}
	r, err := loadCustomRole(ctx, &a.store.Q, access.Account.ID, roleID)
	if err != nil {
		return RoleView{}, err
	}
	if r.Members, err = a.store.RoleHolders(ctx, access.Account.ID, r.ID); err != nil {
		return RoleView{}, err
	}
	choices, err := a.store.ScopeChoices(ctx, access.Account.ID)
	return RoleView{Role: r, Choices: choices}, err
}

// CreateRole adds a custom role to the caller's account. Needs roles.manage; the role
// may hold only permissions the caller holds, never the Owner's own, and always
// account.view. Audited.
func (a *App) CreateRole(ctx context.Context, actor Actor, h Access, in RoleInput) (domain.Role, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Role{}, err
	}
	if !access.Permissions.Has(domain.PermRolesManage) {
		return domain.Role{}, rolesLack(domain.PermRolesManage)
	}
	caller, err := a.callerReach(ctx, access)
	if err != nil {
		return domain.Role{}, err
	}
	c, err := cleanRole(caller, in)
	if err != nil {
		return domain.Role{}, err
	}
	var r domain.Role
	err = a.tx(ctx, func(tx *store.Tx) error {
		acc, err := tx.LockAccount(ctx, access.Account.ID)
		if err != nil {
			return err
		}
		id, err := tx.CreateRole(ctx, acc.ID, c.name, c.perms)
		if err != nil {
			return roleNameTaken(err)
		}
		if err := tx.SetRoleScope(ctx, acc.ID, id, c.lists, c.campaigns); err != nil {
			return err
		}
		if r, err = tx.RoleForAccount(ctx, acc.ID, id); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Roles > Create > "+r.Name, r.Name, acc.ID, acc.OrganisationID)
	})
	return r, err
}

// UpdateRole renames a custom role and replaces its permissions and scope, under the
// same rules as CreateRole. A caller may not change a role that holds a permission
// they lack (EFORBIDDEN). Audited.
func (a *App) UpdateRole(ctx context.Context, actor Actor, h Access, roleID int64, in RoleInput) (domain.Role, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Role{}, err
	}
	if !access.Permissions.Has(domain.PermRolesManage) {
		return domain.Role{}, rolesLack(domain.PermRolesManage)
	}
	caller, err := a.callerReach(ctx, access)
	if err != nil {
		return domain.Role{}, err
	}
	var r domain.Role
	err = a.tx(ctx, func(tx *store.Tx) error {
		acc, err := tx.LockAccount(ctx, access.Account.ID)
		if err != nil {
			return err
		}
		before, err := loadCustomRole(ctx, &tx.Q, acc.ID, roleID)
		if err != nil {
			return err
		}
		if err := caller.covers(roleReach(before), "change", before.Name); err != nil {
			return err
		}
		c, err := cleanRole(caller, in)
		if err != nil {
			return err
		}
		if err := tx.UpdateRole(ctx, acc.ID, before.ID, c.name, c.perms); err != nil {
			return roleNameTaken(err)
		}
		if err := tx.SetRoleScope(ctx, acc.ID, before.ID, c.lists, c.campaigns); err != nil {
			return err
		}
		if r, err = tx.RoleForAccount(ctx, acc.ID, before.ID); err != nil {
			return err
		}
		action := "Roles > Edit > " + r.Name
		if before.Name != r.Name {
			action = "Roles > Edit > " + before.Name + " → " + r.Name
		}
		return audit(ctx, tx, actor, action, r.Name, acc.ID, acc.OrganisationID)
	})
	return r, err
}

// DeleteRole deletes a custom role of the caller's account. Needs roles.manage, and
// the role may hold no permission the caller lacks. While active or deactivated members
// hold it, it is refused (EINVARIANT) unless reassignTo names another role of the
// account: the members then move to it in the same transaction, which needs
// members.manage and a role the caller may grant. It returns the deleted role and how
// many members moved. Audited.
func (a *App) DeleteRole(ctx context.Context, actor Actor, h Access, roleID, reassignTo int64) (domain.Role, int, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Role{}, 0, err
	}
	if !access.Permissions.Has(domain.PermRolesManage) {
		return domain.Role{}, 0, rolesLack(domain.PermRolesManage)
	}
	if reassignTo < 0 {
		return domain.Role{}, 0, domain.FieldError("reassign", "Choose another role of this account for its members.")
	}
	caller, err := a.callerReach(ctx, access)
	if err != nil {
		return domain.Role{}, 0, err
	}
	var (
		r     domain.Role
		moved int
	)
	err = a.tx(ctx, func(tx *store.Tx) error {
		acc, err := tx.LockAccount(ctx, access.Account.ID)
		if err != nil {
			return err
		}
		if r, err = loadCustomRole(ctx, &tx.Q, acc.ID, roleID); err != nil {
			return err
		}
		if err := caller.covers(roleReach(r), "delete", r.Name); err != nil {
			return err
		}
		n, err := tx.RoleHolders(ctx, acc.ID, r.ID)
		if err != nil {
			return err
		}
		if n > 0 && reassignTo == 0 {
			return domain.Errorf(domain.EINVARIANT, "%s is held by %s. Reassign its %s first.", r.Name, roleMembersText(n), roleMembersText(n))
		}
		if n > 0 {
			if !access.Permissions.Has(domain.PermMembersManage) {
				return rolesLack(domain.PermMembersManage)
			}
			to, err := tx.RoleForAccount(ctx, acc.ID, reassignTo)
			if err != nil || to.ID == r.ID {
				return domain.FieldError("reassign", "Choose another role of this account for its members.")
			}
			if err := canGrant(caller, to); err != nil {
				return err
			}
			if moved, err = tx.MoveRoleHolders(ctx, acc.ID, r.ID, to.ID); err != nil {
				return err
			}
			if err := audit(ctx, tx, actor, "Roles > Reassign > "+r.Name+" → "+to.Name, roleMembersText(moved), acc.ID, acc.OrganisationID); err != nil {
				return err
			}
		}
		if err := tx.DeleteRole(ctx, acc.ID, r.ID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Roles > Delete > "+r.Name, r.Name, acc.ID, acc.OrganisationID)
	})
	return r, moved, err
}

// grantableRoles are the roles of the account, other than Owner and except, that a
// caller of that reach may give: the targets offered when reassigning members.
func grantableRoles(caller reach, roles []domain.Role, except int64) []domain.Role {
	var out []domain.Role
	for _, r := range roles {
		if r.ID != except && canGrant(caller, r) == nil {
			out = append(out, r)
		}
	}
	return out
}

// AllowedInCustomRole reports whether a custom role may hold p (never the Owner's own
// permissions).
func AllowedInCustomRole(p domain.Permission) bool {
	for _, o := range domain.OwnerOnly {
		if p == o {
			return false
		}
	}
	return true
}

type cleanedRole struct {
	name      string
	perms     []domain.Permission
	lists     []int64
	campaigns []int64
}

// cleanRole checks a role form against the catalogue and the caller's reach: the role
// may hold only permissions the caller holds, and reach no list or campaign beyond the
// caller's (a scoped caller's role must be scoped within theirs: dropping a scope is
// widening).
func cleanRole(caller reach, in RoleInput) (cleanedRole, error) {
	var c cleanedRole
	var err error
	if c.name, err = cleanName("name", in.Name, 60); err != nil {
		return c, err
	}
	var names []string
	for _, n := range in.Permissions {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return c, domain.FieldError("permissions", "Choose at least one permission.")
	}
	perms, unknown := domain.ParsePermissions(append(names, string(domain.PermAccountView)))
	if unknown != "" {
		return c, domain.FieldError("permissions", fmt.Sprintf("%q is not a permission.", textin.Cut(unknown, 60)))
	}
	for _, p := range perms {
		if !AllowedInCustomRole(p) {
			return c, domain.FieldError("permissions", fmt.Sprintf("Custom roles cannot include %q: only the Owner holds it.", domain.PermissionLabel(p)))
		}
		if !caller.perms.Has(p) {
			return c, domain.FieldError("permissions", fmt.Sprintf("You cannot give a role %q (%s): your own role lacks it.", domain.PermissionLabel(p), p))
		}
	}
	c.perms = perms
	if c.lists, err = parseScopeIDs(in.Lists); err != nil {
		return c, err
	}
	if c.campaigns, err = parseScopeIDs(in.Campaigns); err != nil {
		return c, err
	}
	if err := caller.covers(reach{perms: domain.NewPermissionSet(perms), lists: c.lists, campaigns: c.campaigns}, "save", "this role"); err != nil {
		return c, domain.FieldError("scope", domain.ErrorMessage(err))
	}
	return c, nil
}

func parseScopeIDs(raw []string) ([]int64, error) {
	var out []int64
	for _, s := range raw {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || id <= 0 {
			return nil, domain.FieldError("scope", "Choose only lists and campaigns of this account.")
		}
		out = append(out, id)
	}
	return out, nil
}

// loadCustomRole loads a custom role of accountID; predefined roles and other accounts'
// roles give ENOTFOUND.
func loadCustomRole(ctx context.Context, q *store.Q, accountID, roleID int64) (domain.Role, error) {
	r, err := q.RoleForAccount(ctx, accountID, roleID)
	if err == nil && r.Predefined() {
		err = domain.Errorf(domain.ENOTFOUND, "Not found.")
	}
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return r, domain.Errorf(domain.ENOTFOUND, "That role is not one of this account's custom roles.")
	}
	return r, err
}

// roleNameTaken turns the unique-name violation into a form error on the name.
func roleNameTaken(err error) error {
	var e *domain.Error
	if errors.As(err, &e) && e.Code == domain.ECONFLICT && e.Field == "roles_account_name" {
		return domain.FieldError("name", "A role with that name already exists.")
	}
	return err
}

func rolesLack(p domain.Permission) error {
	return domain.Errorf(domain.EFORBIDDEN, "Your role does not include the permission %q.", string(p))
}

func roleMembersText(n int) string {
	if n == 1 {
		return "1 member"
	}
	return strconv.Itoa(n) + " members"
}
