package pages

import (
	"strconv"

	"atrium/internal/domain"
	"atrium/web"
)

// InviteForm is the "Invite a user" form with its values and the error of each field.
type InviteForm struct {
	FirstName string
	LastName  string
	Email     string
	RoleID    int64
	Message   string

	FirstNameError string
	LastNameError  string
	EmailError     string
	RoleError      string
	MessageError   string
	// Error is a refusal that belongs to no one field (seats, rate limit).
	Error string
}

// InviteProps is an account's "Invite a user" page, with the email it would send
// when a preview was asked for.
type InviteProps struct {
	Shell  web.Shell
	Access domain.Access
	// Roles are the roles the inviter may give.
	Roles []domain.Role
	Form  InviteForm
	// Preview is the email exactly as it would be sent (nil until asked for).
	Preview *domain.OutboundMail
	// Pending is the pending invitation to the email typed: the page offers to send
	// it again.
	Pending    *domain.Invitation
	MessageMax int
}

// MembersHref is the account's members list.
func (p InviteProps) MembersHref() string { return "/a/" + p.Access.Account.Slug + "/members" }

// InvitationActionHref is the address of an action on one invitation of an account.
func InvitationActionHref(accountSlug string, id int64, action string) string {
	return "/a/" + accountSlug + "/invitations/" + strconv.FormatInt(id, 10) + "/" + action
}

// Modes of an invitation link's page when the link works.
const (
	InvitationModeNew       = "new"        // nobody has the email: choose a name and password
	InvitationModeSSO       = "sso"        // nobody has the email, and the account signs in only through SSO
	InvitationModeSignIn    = "sign-in"    // the email has a user, not signed in: sign in first
	InvitationModeAnswer    = "answer"     // signed in as the invited email: accept or decline
	InvitationModeWrongUser = "wrong-user" // signed in as someone else: nothing granted
)

// InvitationProps is the page behind an invitation link.
type InvitationProps struct {
	Token      string
	Invitation domain.Invitation
	// State is domain.InvitationLinkOpen, InvitationLinkReplaced or the final status
	// of the invitation (accepted, declined, revoked, expired, ended).
	State string
	// Mode says what the page offers while the link works.
	Mode string
	// SignedInAs is the email of the signed-in user ("" when signed out).
	SignedInAs string
	// JoinReason says why accepting first asks for a step ("Acme Vault requires
	// two-factor authentication."), and JoinStep what that step is; "" when Accept
	// takes effect at once.
	JoinReason string
	JoinStep   string
	// FullName is the name typed on the new-user form; the errors are the form's.
	FullName      string
	FullNameError string
	PasswordError string
	Error         string
}

// Href is the address of the link's page, or of an action under it.
func (p InvitationProps) Href(action string) string {
	h := "/invitations/" + p.Token
	if action != "" {
		h += "/" + action
	}
	return h
}

// Inviter names who invited, as "Name (email)": whom to ask.
func (p InvitationProps) Inviter() string {
	return p.Invitation.InvitedByName + " (" + p.Invitation.InvitedByEmail + ")"
}

// ForbiddenProps is the 403 page inside an account: what is missing, and a way to ask
// for it.
type ForbiddenProps struct {
	Message     string
	AccountSlug string
	AccountName string
	Permission  domain.Permission
	// CanRequest is true when the caller may ask for the permission; Requested is their
	// open request for it, if any.
	CanRequest  bool
	Requested   *domain.AccessRequest
	Reason      string
	ReasonError string
	MessageMax  int
}

// AccessRequestRow is one open access request on the members list, with the roles the
// viewer may approve it with.
type AccessRequestRow struct {
	Request domain.AccessRequest
	Roles   []domain.Role
}
