package pages

import (
	"time"

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
	// CanInvite shows "Invite a user" and the Resend and Revoke buttons.
	CanInvite bool
	// Invitations are one page (InvitationsPage) of the pending and expired
	// invitations; PendingInvitations counts the pending ones on every page. Now tells
	// expired ones.
	Invitations        []domain.Invitation
	InvitationsPage    int
	InvitationsMore    bool
	PendingInvitations int
	Now                time.Time
	// Requests are the open access requests (shown to CanManage), a page at a time.
	Requests     []AccessRequestRow
	RequestsPage int
	RequestsMore bool
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
	// CanLeave offers "Leave this account" (a member who is not the owner).
	CanLeave bool
}
