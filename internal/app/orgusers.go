package app

import (
	"context"
	"errors"
	"strings"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// The organisation's Users pages: its owners list the organisation's users, create
// them, and give or take access to the organisation's accounts. Owners act there with
// the permissions of an Administrator; anyone else gets ENOTFOUND.

// orgOwnerReach is what an organisation owner may grant in its accounts: an
// Administrator's permissions over everything.
func orgOwnerReach() reach {
	r, _ := domain.PredefinedRoleByID(domain.AdministratorRoleID)
	return unlimited(domain.NewPermissionSet(r.Permissions))
}

// OrgUsersPage is one page of an organisation's Users page.
type OrgUsersPage struct {
	Organisation domain.Organisation
	Users        []domain.OrgUser
	Query        string
	Page         int
	More         bool
	// Invitations are the newest pending invitations to the organisation's accounts
	// (up to OrgInvitationsShown; MoreInvitations when there are more).
	Invitations     []domain.Invitation
	MoreInvitations bool
	// Accounts and Roles are the choices of the invite form: the open accounts, and
	// the grantable roles (predefined but Owner, then each account's custom roles).
	Accounts []domain.Account
	Roles    []domain.Role
}

// OrgInvitationsShown bounds the pending invitations the Users page lists.
const OrgInvitationsShown = 50

// OrgUsers lists one page of the organisation's users by name, filtered by name or
// email. Owners only (ENOTFOUND otherwise).
func (a *App) OrgUsers(ctx context.Context, actor Actor, orgSlug, query string, page int) (OrgUsersPage, error) {
	o, err := a.store.OwnedOrganisation(ctx, actor.UserID, orgSlug)
	if err != nil {
		return OrgUsersPage{}, err
	}
	if page < 1 {
		page = 1
	}
	if query, err = CleanQuery("q", query); err != nil {
		return OrgUsersPage{}, err
	}
	us, err := a.store.OrgUsers(ctx, o.ID, query, page)
	if err != nil {
		return OrgUsersPage{}, err
	}
	p := OrgUsersPage{Organisation: o, Users: us, Query: query, Page: page}
	if len(us) > store.OrgUsersPageSize {
		p.Users, p.More = us[:store.OrgUsersPageSize], true
	}
	if p.Invitations, err = a.store.OrganisationInvitations(ctx, o.ID, OrgInvitationsShown+1); err != nil {
		return p, err
	}
	if len(p.Invitations) > OrgInvitationsShown {
		p.Invitations, p.MoreInvitations = p.Invitations[:OrgInvitationsShown], true
	}
	if p.Accounts, p.Roles, err = a.orgGrantChoices(ctx, o); err != nil {
		return p, err
	}
	return p, nil
}

// orgGrantChoices are the organisation's open accounts and the roles its owners may
// grant in them: the predefined roles but Owner, then the accounts' custom roles
// (AccountID tells whose).
func (a *App) orgGrantChoices(ctx context.Context, o domain.Organisation) ([]domain.Account, []domain.Role, error) {
	accounts, err := a.store.AccountsOfOrganisation(ctx, o.ID)
	if err != nil {
		return nil, nil, err
	}
	var open []domain.Account
	for _, acc := range accounts {
		if acc.Status == domain.AccountActive {
			open = append(open, acc)
		}
	}
	var roles []domain.Role
	for _, p := range domain.PredefinedRoles {
		if p.ID != domain.OwnerRoleID {
			roles = append(roles, domain.Role{ID: p.ID, Key: p.Key, Name: p.Name, Permissions: p.Permissions})
		}
	}
	custom, err := a.store.CustomRolesOfOrganisation(ctx, o.ID)
	return open, append(roles, custom...), err
}

// OrgOwnerRole is one organisation the acting owner owns, and whether the user shown
// owns it too.
type OrgOwnerRole struct {
	Organisation domain.Organisation
	Owner        bool
}

// OrgUserView is one user's page in an organisation.
type OrgUserView struct {
	Organisation domain.Organisation
	User         domain.OrgUser
	Grants       []domain.Grant
	// Accounts are the organisation's open accounts (to grant access to).
	Accounts []domain.Account
	// Roles are the grantable predefined roles (not Owner), then the custom roles of
	// the organisation's accounts (AccountID tells whose).
	Roles []domain.Role
	// OwnerRoles are the organisations the acting owner owns.
	OwnerRoles []OrgOwnerRole
}

// OrgUser returns one user's page. Owners only; a user not listed in the organisation
// gives ENOTFOUND.
func (a *App) OrgUser(ctx context.Context, actor Actor, orgSlug string, userID int64) (OrgUserView, error) {
	var v OrgUserView
	o, err := a.store.OwnedOrganisation(ctx, actor.UserID, orgSlug)
	if err != nil {
		return v, err
	}
	v.Organisation = o
	if v.User, err = a.store.OrgUser(ctx, o.ID, userID); err != nil {
		return v, err
	}
	if v.Grants, err = a.store.OrgUserGrants(ctx, o.ID, userID); err != nil {
		return v, err
	}
	if v.Accounts, v.Roles, err = a.orgGrantChoices(ctx, o); err != nil {
		return v, err
	}
	orgs, owners, err := a.store.OwnedOrganisationRoles(ctx, actor.UserID, userID)
	if err != nil {
		return v, err
	}
	for i := range orgs {
		v.OwnerRoles = append(v.OwnerRoles, OrgOwnerRole{Organisation: orgs[i], Owner: owners[i]})
	}
	return v, nil
}

// OrgInviteInput is the Users page's "+ Create a new user" form: the person, and the
// first account and role to invite them to.
type OrgInviteInput struct {
	InviteInput
	AccountID int64
	// InviteExisting confirms inviting an email that belongs to a user of another
	// organisation: they join only if they accept.
	InviteExisting bool
}

// OrgInvited is what the Users page's "+ Create a new user" did.
type OrgInvited struct {
	InviteResult
	Account domain.Account
	// Existing is set, with an EINVALID error, when the email already belongs to a
	// user and nothing was sent. InOrganisation says whether they are listed here (the
	// page offers to open them); anyone else can be invited (InviteExisting).
	Existing       *domain.User
	InOrganisation bool
}

// InviteOrgUser answers "+ Create a new user" with an invitation, never a user: no user
// exists until the invitee accepts and chooses their own password, and the owner
// never holds a link or password for someone else. The invitation is to one of the
// organisation's open accounts with a role an Administrator may grant, under the same
// rules as Invite (seats, rate limits, pending, already a member). An email already
// used anywhere (in any case) is refused with "Sorry, that user already exists": one
// listed here can be opened and given access; anyone else is invited only when
// InviteExisting confirms it, and joins only by accepting. That answer is audited and
// rate-limited (answerExists). Owners only. Audited.
func (a *App) InviteOrgUser(ctx context.Context, actor Actor, orgSlug string, in OrgInviteInput) (OrgInvited, error) {
	var res OrgInvited
	v, err := cleanInvitee(in.InviteInput)
	if err != nil {
		return res, err
	}
	if err := a.checkExistsProbes(ctx, actor); err != nil {
		return res, err
	}
	err = a.tx(ctx, func(tx *store.Tx) error {
		o, err := tx.OwnedOrganisation(ctx, actor.UserID, orgSlug)
		if err != nil {
			return err
		}
		acc, err := tx.AccountOfOrganisation(ctx, o.ID, in.AccountID)
		if err != nil || acc.Status != domain.AccountActive {
			return domain.FieldError("account", "Choose one of this organisation's open accounts.")
		}
		res.Account = acc
		if u, err := tx.UserByEmail(ctx, v.email); err == nil {
			res.Existing = &u
			_, err := tx.OrgUser(ctx, o.ID, u.ID)
			if err != nil && !store.IsNotFound(err) {
				return err
			}
			res.InOrganisation = err == nil
			if res.InOrganisation || !in.InviteExisting {
				return errUserExists
			}
		} else if !store.IsNotFound(err) {
			return err
		}
		res.InviteResult, err = a.invite(ctx, tx, actor, orgOwnerReach(), acc.ID, v, in.RoleID, "Users > Invite > ")
		return err
	})
	if errors.Is(err, errUserExists) {
		err = a.answerExists(ctx, actor, orgSlug, v.email)
	}
	return res, err
}

// orgUserChange runs one change to a user of the organisation: the actor must own it
// (ENOTFOUND otherwise) and the user must be listed there (ENOTFOUND otherwise).
func (a *App) orgUserChange(ctx context.Context, actor Actor, orgSlug string, userID int64,
	fn func(tx *store.Tx, o domain.Organisation, u domain.OrgUser) error) error {
	return a.tx(ctx, func(tx *store.Tx) error {
		o, err := tx.OwnedOrganisation(ctx, actor.UserID, orgSlug)
		if err != nil {
			return err
		}
		u, err := tx.OrgUser(ctx, o.ID, userID)
		if err != nil {
			return err
		}
		return fn(tx, o, u)
	})
}

// AccessGranted describes a grant from the Users page.
type AccessGranted struct {
	Account domain.Account
	Role    domain.Role
	User    domain.OrgUser
	// PreviousRole is set when the user already had active access: the role changed.
	PreviousRole string
}

// GrantOrgUserAccess gives the user a role in one of the organisation's open accounts,
// with an Administrator's reach: the role must belong to that account and not be Owner,
// the account's plan and seat limit must allow one more member. Granting an account the
// user already has active access to changes their role; otherwise the user is emailed
// that they were given access. Owners only. Audited.
func (a *App) GrantOrgUserAccess(ctx context.Context, actor Actor, orgSlug string, userID, accountID, roleID int64) (AccessGranted, error) {
	var g AccessGranted
	err := a.orgUserChange(ctx, actor, orgSlug, userID, func(tx *store.Tx, o domain.Organisation, u domain.OrgUser) error {
		g.User = u
		acc, err := tx.AccountOfOrganisation(ctx, o.ID, accountID)
		if err != nil || acc.Status != domain.AccountActive {
			return domain.FieldError("account", "Choose one of this organisation's open accounts.")
		}
		before, role, err := grant(ctx, tx, orgOwnerReach(), acc.ID, u.UserID, roleID, a.now())
		if err != nil {
			return err
		}
		g.Account, g.Role = acc, role
		what := "Add"
		if before.Status == domain.MembershipActive {
			if before.RoleID == role.ID {
				return domain.Errorf(domain.EINVALID, "%s already has access to %s as %s.", u.Email, acc.Name, role.Name)
			}
			g.PreviousRole, what = before.RoleName, "Change role"
		} else if err := a.tellGranted(ctx, tx, actor, domain.User{Email: u.Email, FullName: u.FullName}, acc, o, role); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Users > Account access > "+what+" > "+u.Email+" ("+acc.Name+": "+role.Name+")",
			u.Email, acc.ID, o.ID)
	})
	return g, err
}

// RevokeOrgUserAccess ends the user's membership of one of the organisation's accounts
// (status removed), effective on their next request. Never the account's owner.
// Owners only. Audited.
func (a *App) RevokeOrgUserAccess(ctx context.Context, actor Actor, orgSlug string, userID, accountID int64) (domain.Grant, error) {
	var g domain.Grant
	err := a.orgUserChange(ctx, actor, orgSlug, userID, func(tx *store.Tx, o domain.Organisation, u domain.OrgUser) error {
		if _, err := tx.AccountOfOrganisation(ctx, o.ID, accountID); err != nil {
			return domain.Errorf(domain.ENOTFOUND, "That account is not part of this organisation.")
		}
		acc, err := tx.LockAccount(ctx, accountID)
		if err != nil {
			return err
		}
		m, err := tx.Member(ctx, acc.ID, u.UserID)
		if err != nil || m.Status == domain.MembershipRemoved {
			return domain.Errorf(domain.EINVALID, "%s has no access to %s.", u.Email, acc.Name)
		}
		g = domain.Grant{AccountID: acc.ID, AccountSlug: acc.Slug, AccountName: acc.Name, RoleID: m.RoleID, RoleName: m.RoleName, Status: m.Status}
		if m.IsOwner() {
			return domain.Errorf(domain.EINVALID, "%s owns %s; transfer ownership first.", u.Email, acc.Name)
		}
		if err := tx.SetMemberScope(ctx, acc.ID, u.UserID, nil); err != nil {
			return err
		}
		if err := tx.SetMembershipStatus(ctx, acc.ID, u.UserID, domain.MembershipRemoved); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Users > Account access > Remove > "+u.Email+" ("+acc.Name+": "+m.RoleName+")",
			u.Email, acc.ID, o.ID)
	})
	return g, err
}

// targetOwned returns the organisation with targetSlug when the actor owns it; it is
// refused on the form otherwise.
func targetOwned(ctx context.Context, tx *store.Tx, actor Actor, targetSlug string) (domain.Organisation, error) {
	if !validSlug(targetSlug) {
		return domain.Organisation{}, domain.FieldError("organisation", "Choose one of the organisations you own.")
	}
	t, err := tx.OwnedOrganisation(ctx, actor.UserID, targetSlug)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return t, domain.FieldError("organisation", "Choose one of the organisations you own.")
	}
	return t, err
}

// AddOrgUserOwner makes the user an owner of targetSlug, an organisation the actor
// owns (the one whose page this is, or another). Owners only. Audited.
func (a *App) AddOrgUserOwner(ctx context.Context, actor Actor, orgSlug string, userID int64, targetSlug string) (domain.Organisation, error) {
	var t domain.Organisation
	err := a.orgUserChange(ctx, actor, orgSlug, userID, func(tx *store.Tx, o domain.Organisation, u domain.OrgUser) error {
		var err error
		if t, err = targetOwned(ctx, tx, actor, targetSlug); err != nil {
			return err
		}
		if owner, err := tx.IsOrganisationOwner(ctx, t.ID, u.UserID); err != nil {
			return err
		} else if owner {
			return domain.Errorf(domain.EINVALID, "%s already owns %s.", u.Email, t.Name)
		}
		// Someone this organisation does not alone hold joins another organisation only
		// if they are already one of its users.
		if t.ID != o.ID && !u.Managed {
			if _, err := tx.OrgUser(ctx, t.ID, u.UserID); domain.ErrorCode(err) == domain.ENOTFOUND {
				return domain.Errorf(domain.EINVALID, "%s is not one of %s's users, and also belongs to another organisation: "+
					"they join %s only by accepting an invitation.", u.Email, t.Name, t.Name)
			} else if err != nil {
				return err
			}
		}
		if err := tx.AddOrganisationOwner(ctx, t.ID, u.UserID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Users > Organisation > Add owner > "+u.Email+" ("+t.Name+")", u.Email, 0, t.ID)
	})
	return t, err
}

// RemoveOrgUserOwner takes the owner role of targetSlug (an organisation the actor
// owns) from the user. Removing the last owner gives EINVARIANT (the database locks
// the organisation). Owners only. Audited.
func (a *App) RemoveOrgUserOwner(ctx context.Context, actor Actor, orgSlug string, userID int64, targetSlug string) (domain.Organisation, error) {
	var t domain.Organisation
	err := a.orgUserChange(ctx, actor, orgSlug, userID, func(tx *store.Tx, o domain.Organisation, u domain.OrgUser) error {
		var err error
		if t, err = targetOwned(ctx, tx, actor, targetSlug); err != nil {
			return err
		}
		if err := removeOwner(ctx, tx, t, u); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Users > Organisation > Remove owner > "+u.Email+" ("+t.Name+")", u.Email, 0, t.ID)
	})
	return t, err
}

func removeOwner(ctx context.Context, tx *store.Tx, o domain.Organisation, u domain.OrgUser) error {
	err := tx.RemoveOrganisationOwner(ctx, o.ID, u.UserID)
	switch domain.ErrorCode(err) {
	case domain.EINVARIANT:
		return domain.Errorf(domain.EINVARIANT, "%s is the last owner of %s; appoint another owner first.", u.Email, o.Name)
	case domain.ENOTFOUND:
		return domain.Errorf(domain.EINVALID, "%s does not own %s.", u.Email, o.Name)
	}
	return err
}

// RemoveOrgUser takes the user out of the organisation at once: every membership of
// its accounts ends (status removed), their owner role here goes, and they leave the
// Users page. Refused while they own one of its accounts, or when they are its last
// owner. Owners only. Audited.
func (a *App) RemoveOrgUser(ctx context.Context, actor Actor, orgSlug string, userID int64) (domain.OrgUser, error) {
	var out domain.OrgUser
	err := a.orgUserChange(ctx, actor, orgSlug, userID, func(tx *store.Tx, o domain.Organisation, u domain.OrgUser) error {
		out = u
		if _, err := tx.LockOrganisationAccountsOf(ctx, o.ID, u.UserID); err != nil {
			return err
		}
		grants, err := tx.OrgUserGrants(ctx, o.ID, u.UserID)
		if err != nil {
			return err
		}
		var owned []string
		for _, g := range grants {
			if g.RoleID == domain.OwnerRoleID {
				owned = append(owned, g.AccountName)
			}
		}
		if len(owned) > 0 {
			list := strings.Join(owned, ", ")
			return domain.Errorf(domain.EINVALID, "%s owns %s: transfer ownership of %s first.", u.Email, list, list)
		}
		if u.Owner {
			if err := removeOwner(ctx, tx, o, u); err != nil {
				return err
			}
		}
		if _, err := tx.EndOrganisationMemberships(ctx, o.ID, u.UserID); err != nil {
			return err
		}
		if err := tx.RemoveOrganisationMember(ctx, o.ID, u.UserID); err != nil {
			return err
		}
		var accountID int64
		if len(grants) == 1 {
			accountID = grants[0].AccountID
		}
		return audit(ctx, tx, actor, "Users > Remove from organisation > "+u.Email, u.Email, accountID, o.ID)
	})
	return out, err
}
