package pages

import (
	"net/url"
	"strconv"

	"atrium/internal/domain"
	"atrium/web"
)

// OrgUsersProps is an organisation's Users page: one page of its users and the form
// that creates one.
type OrgUsersProps struct {
	Shell        web.Shell
	Organisation domain.Organisation
	Users        []domain.OrgUser
	Query        string
	Page         int
	More         bool
	Create       OrgUserCreateForm
	// Accounts and RoleGroups are the choices of the create form.
	Accounts   []domain.Account
	RoleGroups []OrgRoleGroup
	// Invitations are the pending invitations to the organisation's accounts, newest
	// first; MoreInvitations says the list is cut.
	Invitations     []domain.Invitation
	MoreInvitations bool
	MessageMax      int
}

// OrgUserCreateForm is the "+ Create a new user" form, which sends an invitation, with
// its values and errors.
type OrgUserCreateForm struct {
	FirstName string
	LastName  string
	Email     string
	AccountID int64
	RoleID    int64
	Message   string

	FirstNameError string
	LastNameError  string
	EmailError     string
	AccountError   string
	RoleError      string
	MessageError   string
	// Error is a refusal that belongs to no one field (seats, rate limit).
	Error string
	// Existing is the user who already has that email: the page offers to open them
	// when they are listed here (InOrganisation), and otherwise to invite them to
	// Account (they accept or decline).
	Existing       *domain.User
	InOrganisation bool
	Account        domain.Account
	// Open shows the form unfolded (after an error).
	Open bool
}

// OrgUsersBase is the address of the organisation's Users page.
func OrgUsersBase(o domain.Organisation) string { return "/org/" + o.Slug + "/users" }

// OrgUserHref is the address of one user's page, on a tab ("" for the default).
func OrgUserHref(o domain.Organisation, userID int64, tab string) string {
	h := OrgUsersBase(o) + "/" + strconv.FormatInt(userID, 10)
	if tab != "" {
		h += "?tab=" + url.QueryEscape(tab)
	}
	return h
}

// PageHref is the Users page address for page n, keeping the search.
func (p OrgUsersProps) PageHref(n int) string {
	v := url.Values{}
	if p.Query != "" {
		v.Set("q", p.Query)
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	if len(v) == 0 {
		return OrgUsersBase(p.Organisation)
	}
	return OrgUsersBase(p.Organisation) + "?" + v.Encode()
}

// OrgUserTabAccess and OrgUserTabOrganisation are the tabs of a user's page.
const (
	OrgUserTabAccess       = "access"
	OrgUserTabOrganisation = "organisation"
)

// OrgOwnerRoleRow is one organisation the acting owner owns, and whether the user
// shown owns it too.
type OrgOwnerRoleRow struct {
	Organisation domain.Organisation
	Owner        bool
}

// OrgRoleGroup is a labelled group of roles in the role dropdown.
type OrgRoleGroup struct {
	Label string
	Roles []domain.Role
}

// OrgUserProps is one user's page in an organisation.
type OrgUserProps struct {
	Shell        web.Shell
	Organisation domain.Organisation
	User         domain.OrgUser
	Tab          string
	Grants       []domain.Grant
	// Accounts are the organisation's open accounts; RoleGroups the grantable roles.
	Accounts   []domain.Account
	RoleGroups []OrgRoleGroup
	OwnerRoles []OrgOwnerRoleRow
	// Error is why the last change was refused.
	Error string
	// GrantAccountID and GrantRoleID keep the add row's choices after an error.
	GrantAccountID int64
	GrantRoleID    int64
}

// Href is the user's page on a tab.
func (p OrgUserProps) Href(tab string) string { return OrgUserHref(p.Organisation, p.User.UserID, tab) }

// Action is the address of a change to the user ("access", "owner/remove", …).
func (p OrgUserProps) Action(path string) string {
	return OrgUserHref(p.Organisation, p.User.UserID, "") + "/" + path
}

// AddableOwnerRoles are the organisations the acting owner owns that the user does not.
func (p OrgUserProps) AddableOwnerRoles() []domain.Organisation {
	var out []domain.Organisation
	for _, r := range p.OwnerRoles {
		if !r.Owner {
			out = append(out, r.Organisation)
		}
	}
	return out
}

// HeldOwnerRoles are the organisations (among the acting owner's) the user owns.
func (p OrgUserProps) HeldOwnerRoles() []domain.Organisation {
	var out []domain.Organisation
	for _, r := range p.OwnerRoles {
		if r.Owner {
			out = append(out, r.Organisation)
		}
	}
	return out
}

func orgUsersID(n int64) string { return strconv.FormatInt(n, 10) }
