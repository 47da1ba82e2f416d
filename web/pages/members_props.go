package pages

import (
	"atrium/internal/domain"
	"atrium/web"
)

// MembersProps is an account's members list.
type MembersProps struct {
	Shell     web.Shell
	Access    domain.Access
	Members   []domain.Member
	Roles     []domain.Role
	Lists     []domain.ScopeItem
	Query     string
	Page      int
	More      bool
	CanManage bool
	IsOwner   bool
	Error     string
}

// SettingsProps is an account's settings page.
type SettingsProps struct {
	Shell      web.Shell
	Access     domain.Access
	OwnerEmail string
	CanClose   bool
	// CanSecurity shows the link to the security settings (account.security).
	CanSecurity  bool
	ConfirmError string
}
