package domain

// Permission names one thing a role allows inside an account.
type Permission string

// The permission catalogue. Predefined roles map onto it in PredefinedRoles.
const (
	PermAccountView       Permission = "account.view"
	PermAccountEdit       Permission = "account.edit"
	PermAccountSecurity   Permission = "account.security"
	PermAccountClose      Permission = "account.close"
	PermOwnershipTransfer Permission = "account.transfer"
	PermMembersView       Permission = "members.view"
	PermMembersInvite     Permission = "members.invite"
	PermMembersManage     Permission = "members.manage"
	PermRolesManage       Permission = "roles.manage"
	PermAuditView         Permission = "audit.view"
	PermAuditExport       Permission = "audit.export"
	PermCampaignsView     Permission = "campaigns.view"
	PermCampaignsEdit     Permission = "campaigns.edit"
	PermCampaignsPublish  Permission = "campaigns.publish"
	PermListsView         Permission = "lists.view"
	PermListsEdit         Permission = "lists.edit"
	PermReportsView       Permission = "reports.view"
	PermReportsExport     Permission = "reports.export"
)

// Catalogue lists every permission in display order.
var Catalogue = []Permission{
	PermAccountView, PermAccountEdit, PermAccountSecurity, PermAccountClose, PermOwnershipTransfer,
	PermMembersView, PermMembersInvite, PermMembersManage, PermRolesManage,
	PermAuditView, PermAuditExport,
	PermCampaignsView, PermCampaignsEdit, PermCampaignsPublish,
	PermListsView, PermListsEdit,
	PermReportsView, PermReportsExport,
}

// RoleKey identifies a predefined role.
type RoleKey string

// The predefined roles; their ids are fixed by the first migration.
const (
	RoleOwner         RoleKey = "owner"
	RoleAdministrator RoleKey = "administrator"
	RoleEditor        RoleKey = "editor"
	RoleListManager   RoleKey = "list_manager"
	RoleViewer        RoleKey = "viewer"
)

// PredefinedRole is one of the five built-in roles.
type PredefinedRole struct {
	ID          int64
	Key         RoleKey
	Name        string
	Permissions []Permission
}

// OwnerRoleID and AdministratorRoleID are the fixed ids of those predefined roles.
const (
	OwnerRoleID         int64 = 1
	AdministratorRoleID int64 = 2
	EditorRoleID        int64 = 3
	ListManagerRoleID   int64 = 4
	ViewerRoleID        int64 = 5
)

var adminPerms = []Permission{
	PermAccountView, PermAccountEdit, PermAccountSecurity,
	PermMembersView, PermMembersInvite, PermMembersManage, PermRolesManage,
	PermAuditView, PermAuditExport,
	PermCampaignsView, PermCampaignsEdit, PermCampaignsPublish,
	PermListsView, PermListsEdit, PermReportsView, PermReportsExport,
}

// PredefinedRoles lists the built-in roles, strongest first.
var PredefinedRoles = []PredefinedRole{
	{OwnerRoleID, RoleOwner, "Owner", append([]Permission{PermAccountClose, PermOwnershipTransfer}, adminPerms...)},
	{AdministratorRoleID, RoleAdministrator, "Administrator", adminPerms},
	{EditorRoleID, RoleEditor, "Editor", []Permission{PermAccountView, PermCampaignsView, PermCampaignsEdit, PermCampaignsPublish, PermListsView, PermListsEdit, PermReportsView, PermReportsExport}},
	{ListManagerRoleID, RoleListManager, "List manager", []Permission{PermAccountView, PermListsView, PermListsEdit}},
	{ViewerRoleID, RoleViewer, "Viewer", []Permission{PermAccountView, PermCampaignsView, PermListsView, PermReportsView}},
}

// PredefinedRoleByID returns the built-in role with that id.
func PredefinedRoleByID(id int64) (PredefinedRole, bool) {
	for _, r := range PredefinedRoles {
		if r.ID == id {
			return r, true
		}
	}
	return PredefinedRole{}, false
}

// PermissionSet is the set of permissions a caller holds in one account.
type PermissionSet map[Permission]bool

// NewPermissionSet builds a set from a list.
func NewPermissionSet(perms []Permission) PermissionSet {
	s := make(PermissionSet, len(perms))
	for _, p := range perms {
		s[p] = true
	}
	return s
}

// Has reports whether p is in the set.
func (s PermissionSet) Has(p Permission) bool { return s[p] }
