package domain

import "time"

// Role is a predefined role (AccountID 0) or a custom role of one account.
type Role struct {
	ID          int64
	AccountID   int64
	Key         RoleKey // predefined roles only
	Name        string
	Permissions []Permission
	// Scope limits a custom role to chosen resources; empty means all.
	Scope []ScopeItem
	// Members counts the memberships holding the role (custom roles, roles page).
	Members int
}

// Predefined reports whether the role is one of the built-in five.
func (r Role) Predefined() bool { return r.AccountID == 0 }

// ScopeItem names one resource a scoped role or membership may reach.
type ScopeItem struct {
	Type string // "list" or "campaign"
	ID   int64
	Name string
}

// Member is one row of an account's members list.
type Member struct {
	UserID      int64
	FullName    string
	Email       string
	RoleID      int64
	RoleName    string
	Status      string
	LastLoginAt *time.Time
	JoinedAt    time.Time
	// Scope limits a List manager to chosen lists; empty means all.
	Scope []ScopeItem
}

// IsOwner reports whether the member holds the Owner role.
func (m Member) IsOwner() bool { return m.RoleID == OwnerRoleID }

// OrgUser is one row of an organisation's Users page.
type OrgUser struct {
	UserID      int64
	FullName    string
	Email       string
	LastLoginAt *time.Time
	Accounts    int  // active memberships in the organisation's accounts
	Owner       bool // organisation owner
	// Managed is true when the organisation alone holds the user: they belong to no
	// other organisation and are not platform staff. Only then may its owners act on
	// them beyond its accounts (sign them out everywhere, disable them).
	Managed  bool
	Disabled bool
}

// UserFacts is who a user is, as staff see them before appointing them to something:
// where they belong, who created them and whether they ever chose their own password.
type UserFacts struct {
	User      User
	CreatedAt time.Time
	// CreatedBy says who created the user ("" when not recorded).
	CreatedBy string
	// HasPassword is false for users who never set one (SSO or a link not yet used).
	HasPassword bool
	// PasswordSetAt is when the user last set their own password (through a one-time
	// link or on their profile), nil when never; PasswordSetVia says how.
	PasswordSetAt  *time.Time
	PasswordSetVia string
	// TOTPEnrolledAt is when the user set up two-factor authentication, nil when not.
	TOTPEnrolledAt *time.Time
	// Organisations are the names of the organisations the user belongs to or owns.
	Organisations []string
}

// Grant is one row of a user's account access table.
type Grant struct {
	AccountID   int64
	AccountSlug string
	AccountName string
	RoleID      int64
	RoleName    string
	Status      string
}

// Campaign is a piece of work in an account.
type Campaign struct {
	ID          int64
	AccountID   int64
	Name        string
	Status      string // draft or published
	PublishedAt *time.Time
	UpdatedAt   time.Time
}

// List is a contact list in an account.
type List struct {
	ID           int64
	AccountID    int64
	Name         string
	ContactCount int
}

// Contact is one address on a list.
type Contact struct {
	ID       int64
	ListID   int64
	Email    string
	FullName string
}

// Plans.
const (
	PlanSolo       = "solo"
	PlanTeam       = "team"
	PlanEnterprise = "enterprise"
)

// MultiUser reports whether a plan allows users besides the owner.
func MultiUser(plan string) bool { return plan != PlanSolo }

// ParsePermissions keeps the catalogue permissions among names, in catalogue order,
// and reports any unknown name.
func ParsePermissions(names []string) ([]Permission, string) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []Permission
	for _, p := range Catalogue {
		if want[string(p)] {
			out = append(out, p)
			delete(want, string(p))
		}
	}
	for n := range want {
		return out, n
	}
	return out, ""
}

// PermissionLabel is a short human label for a permission.
func PermissionLabel(p Permission) string {
	if l, ok := permissionLabels[p]; ok {
		return l
	}
	return string(p)
}

var permissionLabels = map[Permission]string{
	PermAccountView: "See the account", PermAccountEdit: "Edit account details", PermAccountSecurity: "Security settings",
	PermAccountClose: "Close the account", PermOwnershipTransfer: "Transfer ownership",
	PermMembersView: "See members", PermMembersInvite: "Invite members", PermMembersManage: "Manage members",
	PermRolesManage: "Manage roles", PermAuditView: "See the activity log", PermAuditExport: "Export the activity log",
	PermCampaignsView: "See campaigns", PermCampaignsEdit: "Create and edit campaigns", PermCampaignsPublish: "Publish campaigns",
	PermListsView: "See lists", PermListsEdit: "Edit lists and contacts",
	PermReportsView: "See reports", PermReportsExport: "Export reports",
}

// OwnerOnly are the permissions no role but Owner may hold.
var OwnerOnly = []Permission{PermAccountClose, PermOwnershipTransfer}
