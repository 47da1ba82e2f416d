package pages

import (
	"strconv"

	"atrium/internal/domain"
	"atrium/web"
)

// RoleForm carries the values and field errors of the create or edit role form.
type RoleForm struct {
	Name        string
	Permissions map[domain.Permission]bool
	Lists       map[int64]bool
	Campaigns   map[int64]bool
	// Errors maps a field ("name", "permissions", "scope") to its message.
	Errors map[string]string
}

// Err returns a field's error.
func (f RoleForm) Err(k string) string { return f.Errors[k] }

// Has reports whether the form roleHolds p; account.view is always held.
func (f RoleForm) Has(p domain.Permission) bool {
	return p == domain.PermAccountView || f.Permissions[p]
}

// Scoped reports whether the form limits the role to item.
func (f RoleForm) Scoped(item domain.ScopeItem) bool {
	if item.Type == "campaign" {
		return f.Campaigns[item.ID]
	}
	return f.Lists[item.ID]
}

// RoleFormFrom fills a form from a stored role.
func RoleFormFrom(r domain.Role) RoleForm {
	f := RoleForm{Name: r.Name, Permissions: map[domain.Permission]bool{}, Lists: map[int64]bool{}, Campaigns: map[int64]bool{}}
	for _, p := range r.Permissions {
		f.Permissions[p] = true
	}
	for _, s := range r.Scope {
		if s.Type == "campaign" {
			f.Campaigns[s.ID] = true
		} else {
			f.Lists[s.ID] = true
		}
	}
	return f
}

// RolesProps is an account's roles page.
type RolesProps struct {
	Shell      web.Shell
	Slug       string
	Predefined []domain.Role
	Custom     []domain.Role
	// CanManage shows the forms (roles.manage); Caller is what the caller may give.
	CanManage bool
	Caller    domain.PermissionSet
	Choices   []domain.ScopeItem
	Form      RoleForm
	// Error is a refused delete's message.
	Error string
	// Reassign lists, per custom role id, the roles its members may be moved to.
	Reassign map[int64][]domain.Role
}

// RoleEditProps is the edit page of one custom role.
type RoleEditProps struct {
	Shell   web.Shell
	Slug    string
	Role    domain.Role
	Caller  domain.PermissionSet
	Choices []domain.ScopeItem
	Form    RoleForm
	// Error is a refusal that belongs to no single field.
	Error string
}

// customRolePermissions is the catalogue without the Owner's own permissions.
func customRolePermissions() []domain.Permission {
	var out []domain.Permission
	for _, p := range domain.Catalogue {
		ownerOnly := false
		for _, o := range domain.OwnerOnly {
			ownerOnly = ownerOnly || o == p
		}
		if !ownerOnly {
			out = append(out, p)
		}
	}
	return out
}

func rolesURL(slug string) string { return "/a/" + slug + "/roles" }

func roleURL(slug string, id int64) string {
	return "/a/" + slug + "/roles/" + strconv.FormatInt(id, 10)
}

func roleIDValue(id int64) string { return strconv.FormatInt(id, 10) }

func roleHolds(perms []domain.Permission, p domain.Permission) bool {
	for _, q := range perms {
		if q == p {
			return true
		}
	}
	return false
}

func roleScopeLabel(s domain.ScopeItem) string {
	if s.Type == "campaign" {
		return "Campaign: " + s.Name
	}
	return "List: " + s.Name
}

func roleScopeOf(items []domain.ScopeItem, typ string) []domain.ScopeItem {
	var out []domain.ScopeItem
	for _, s := range items {
		if s.Type == typ {
			out = append(out, s)
		}
	}
	return out
}

func roleMemberCount(n int) string {
	if n == 1 {
		return "1 member"
	}
	return strconv.Itoa(n) + " members"
}
