// Package pages holds one templ page per screen; each takes one typed props struct.
package pages

import (
	"atrium/internal/domain"
	"atrium/web"
)

// LoginProps drives the two sign-in steps.
type LoginProps struct {
	Step   string // "email" or "password"
	Email  string
	Error  string
	Notice string
}

// AccountHomeProps is the account home page.
type AccountHomeProps struct {
	Shell  web.Shell
	Access domain.Access
}

// AccountsProps is the plain list of enterable accounts (the switcher without JS).
type AccountsProps struct {
	Shell    web.Shell
	Switcher web.SwitcherProps
	// First links to the first page from a later one ("" on the first).
	First string
}

// ProfileProps is the user's own profile.
type ProfileProps struct {
	Shell web.Shell
	// Accounts is one page of the accounts the user may enter; Query the search typed
	// and Next the link to the next page ("" when none).
	Accounts domain.EntryPage
	Query    string
	Next     string
	// First links to the first page from a later one ("" on the first).
	First string
	// LandsIn names the account sign-in lands in when that is not the favourite.
	LandsIn string
	// Sessions are where the user is signed in, newest first.
	Sessions []domain.SessionInfo
	// Forms re-shown after a refused change: the name typed and the errors by field
	// (full_name, current_password, new_password, new_email, email_current_password) or
	// for the password or email form as a whole (password, email).
	Name   string
	Errors map[string]string
	// EmailChange is the email card.
	EmailChange EmailChangeProps
}

// OrgProps is the organisation page for its owners.
type OrgProps struct {
	Shell        web.Shell
	Organisation domain.Organisation
	Accounts     []domain.Account
	NameError    string
	NameValue    string
}

// StaffOrg is one organisation in the staff console.
type StaffOrg struct {
	Organisation domain.Organisation
	Accounts     []domain.Account
	OwnerCount   int
}

// StaffForm carries values and field errors of one staff form.
type StaffForm struct {
	Values map[string]string
	Errors map[string]string
}

// Value returns a submitted value.
func (f StaffForm) Value(k string) string { return f.Values[k] }

// Err returns a field's error.
func (f StaffForm) Err(k string) string { return f.Errors[k] }

// StaffProps is the staff console.
type StaffProps struct {
	Shell         web.Shell
	Organisations []StaffOrg
	CreateOrg     StaffForm
	CreateAccount StaffForm
	AppointOwner  StaffForm
	UnlockSignIn  StaffForm
	// FailedMail is the email whose delivery failed for good, newest first.
	FailedMail []domain.OutboundMail
	// PlanError is the message of a refused plan change or reopening of PlanAccount.
	PlanError   string
	PlanAccount string
	// Confirm asks staff to confirm that an owner email's existing user is the one
	// they mean.
	Confirm *StaffConfirm
	// UserLookup is the find-a-user form; User the user found.
	UserLookup StaffForm
	User       *domain.UserFacts
}

// StaffConfirm shows who an email already belongs to and re-posts the form with their
// id as confirm_user when staff confirm.
type StaffConfirm struct {
	Facts  domain.UserFacts
	Action string
	Form   StaffForm
	// What says what confirming does ("make them an owner of the organisation"), in
	// the organisation with OrgSlug (named on the card).
	What    string
	OrgSlug string
}

// OrgName is the name of the organisation with slug, or the slug when unknown.
func (p StaffProps) OrgName(slug string) string {
	for _, o := range p.Organisations {
		if o.Organisation.Slug == slug {
			return o.Organisation.Name
		}
	}
	return slug
}

// SetPasswordProps is the page behind a one-time set-password link.
type SetPasswordProps struct {
	Token    string
	Email    string
	FullName string
	Error    string
}

// MessageProps is a page that only says something (not found, revoked, closed).
type MessageProps struct {
	Title    string
	Body     string
	LinkHref string
	LinkText string
	// SignedIn shows the sign-out button.
	SignedIn bool
}
