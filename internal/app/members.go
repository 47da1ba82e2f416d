package app

import (
	"context"
	"strings"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// MembersPage is one page of an account's members list.
type MembersPage struct {
	Members []domain.Member
	Page    int
	More    bool
	Query   string
	Roles   []domain.Role
	// Lists are the account's lists a List manager can be limited to.
	Lists []domain.ScopeItem
}

// Members lists an account's members: owner first, then active, then deactivated.
// Callers need members.view (EFORBIDDEN otherwise).
func (a *App) Members(ctx context.Context, h Access, query string, page int) (MembersPage, error) {
	access, err := a.open(h)
	if err != nil {
		return MembersPage{}, err
	}
	if !access.Permissions.Has(domain.PermMembersView) {
		return MembersPage{}, forbidden(domain.PermMembersView)
	}
	if page < 1 {
		page = 1
	}
	query, err = CleanQuery("q", query)
	if err != nil {
		return MembersPage{}, err
	}
	ms, err := a.store.Members(ctx, access.Account.ID, query, page)
	if err != nil {
		return MembersPage{}, err
	}
	p := MembersPage{Members: ms, Page: page, Query: query}
	if len(ms) > store.MembersPageSize {
		p.Members, p.More = ms[:store.MembersPageSize], true
	}
	var listManagers []int64
	for _, m := range p.Members {
		if m.RoleID == domain.ListManagerRoleID {
			listManagers = append(listManagers, m.UserID)
		}
	}
	if len(listManagers) > 0 {
		scopes, err := a.store.MemberScopes(ctx, access.Account.ID, listManagers)
		if err != nil {
			return p, err
		}
		for i := range p.Members {
			p.Members[i].Scope = scopes[p.Members[i].UserID]
		}
	}
	if access.Permissions.Has(domain.PermMembersManage) {
		if p.Roles, err = a.store.RolesOfAccount(ctx, access.Account.ID); err != nil {
			return p, err
		}
		if len(listManagers) > 0 {
			if p.Lists, err = a.store.ListChoices(ctx, access.Account.ID); err != nil {
				return p, err
			}
		}
	}
	return p, nil
}

func forbidden(p domain.Permission) error {
	return domain.Errorf(domain.EFORBIDDEN, "Your role does not include the permission %q.", string(p))
}

// memberChange runs one change to a member of the caller's account: it re-checks the
// permission, locks the account, loads the member (ENOTFOUND for anyone not in this
// account, so other tenants' ids reveal nothing), refuses a member whose reach lies
// beyond the caller's own (EFORBIDDEN: nobody acts above their level), runs fn with the
// caller's reach and writes the audit event fn describes.
func (a *App) memberChange(ctx context.Context, actor Actor, access domain.Access, perm domain.Permission, userID int64,
	verb string, fn func(tx *store.Tx, acc domain.Account, m domain.Member, caller reach) (action string, err error)) (domain.Member, error) {
	if !access.Permissions.Has(perm) {
		return domain.Member{}, forbidden(perm)
	}
	caller, err := a.callerReach(ctx, access)
	if err != nil {
		return domain.Member{}, err
	}
	var m domain.Member
	err = a.tx(ctx, func(tx *store.Tx) error {
		acc, err := tx.LockAccount(ctx, access.Account.ID)
		if err != nil {
			return err
		}
		if m, err = tx.Member(ctx, acc.ID, userID); err != nil || m.Status == domain.MembershipRemoved {
			return domain.Errorf(domain.ENOTFOUND, "That user is not a member of this account.")
		}
		if err := checkCovers(ctx, tx, caller, acc.ID, m, verb); err != nil {
			return err
		}
		action, err := fn(tx, acc, m, caller)
		if err != nil {
			return err
		}
		return audit(ctx, tx, actor, action, m.Email, acc.ID, acc.OrganisationID)
	})
	return m, err
}

// ChangeRole gives a member another role of the account. Needs members.manage; the
// owner's role changes only by transfer; nobody grants permissions they lack. Takes
// effect on the member's next request.
func (a *App) ChangeRole(ctx context.Context, actor Actor, h Access, userID, roleID int64) (domain.Member, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Member{}, err
	}
	return a.memberChange(ctx, actor, access, domain.PermMembersManage, userID, "change the role of", func(tx *store.Tx, acc domain.Account, m domain.Member, caller reach) (string, error) {
		if m.IsOwner() {
			return "", domain.Errorf(domain.EINVALID, "The owner's role changes only by transferring ownership.")
		}
		role, err := tx.RoleForAccount(ctx, acc.ID, roleID)
		if err != nil {
			return "", domain.FieldError("role", "Choose one of this account's roles.")
		}
		if err := canGrant(caller, role); err != nil {
			return "", err
		}
		if role.ID == m.RoleID {
			return "", domain.Errorf(domain.EINVALID, "%s already has the role %s.", m.FullName, role.Name)
		}
		if err := tx.SetMembershipRole(ctx, acc.ID, m.UserID, role.ID); err != nil {
			return "", err
		}
		return "Members > Change role > " + m.Email + " (" + m.RoleName + " → " + role.Name + ")", nil
	})
}

// Deactivate ends a member's access on their very next request; the row stays so they
// are told their access was revoked. Not the owner.
func (a *App) Deactivate(ctx context.Context, actor Actor, h Access, userID int64) (domain.Member, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Member{}, err
	}
	return a.memberChange(ctx, actor, access, domain.PermMembersManage, userID, "deactivate", func(tx *store.Tx, acc domain.Account, m domain.Member, _ reach) (string, error) {
		if m.IsOwner() {
			return "", domain.Errorf(domain.EINVALID, "The owner cannot be deactivated.")
		}
		if m.Status != domain.MembershipActive {
			return "", domain.Errorf(domain.EINVALID, "%s is already inactive.", m.FullName)
		}
		return "Members > Deactivate > " + m.Email, tx.SetMembershipStatus(ctx, acc.ID, m.UserID, domain.MembershipDeactivated)
	})
}

// Reactivate restores a deactivated member, if a seat is free.
func (a *App) Reactivate(ctx context.Context, actor Actor, h Access, userID int64) (domain.Member, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Member{}, err
	}
	return a.memberChange(ctx, actor, access, domain.PermMembersManage, userID, "reactivate", func(tx *store.Tx, acc domain.Account, m domain.Member, _ reach) (string, error) {
		if m.Status != domain.MembershipDeactivated {
			return "", domain.Errorf(domain.EINVALID, "%s is already active.", m.FullName)
		}
		if err := checkSeat(acc); err != nil {
			return "", err
		}
		return "Members > Reactivate > " + m.Email, tx.SetMembershipStatus(ctx, acc.ID, m.UserID, domain.MembershipActive)
	})
}

// Remove ends a membership at once and for good (it can be granted again later as a
// new grant). Not the owner.
func (a *App) Remove(ctx context.Context, actor Actor, h Access, userID int64) (domain.Member, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Member{}, err
	}
	return a.memberChange(ctx, actor, access, domain.PermMembersManage, userID, "remove", func(tx *store.Tx, acc domain.Account, m domain.Member, _ reach) (string, error) {
		if m.IsOwner() {
			return "", domain.Errorf(domain.EINVALID, "The owner cannot be removed; transfer ownership first.")
		}
		if err := tx.SetMemberScope(ctx, acc.ID, m.UserID, nil); err != nil {
			return "", err
		}
		return "Members > Remove > " + m.Email, tx.SetMembershipStatus(ctx, acc.ID, m.UserID, domain.MembershipRemoved)
	})
}

// TransferOwnership makes an active member the owner; the old owner becomes an
// Administrator. Only the owner may (account.transfer).
func (a *App) TransferOwnership(ctx context.Context, actor Actor, h Access, userID int64) (domain.Member, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Member{}, err
	}
	return a.memberChange(ctx, actor, access, domain.PermOwnershipTransfer, userID, "make owner", func(tx *store.Tx, acc domain.Account, m domain.Member, _ reach) (string, error) {
		if m.IsOwner() {
			return "", domain.Errorf(domain.EINVALID, "%s already owns this account.", m.FullName)
		}
		if m.Status != domain.MembershipActive {
			return "", domain.Errorf(domain.EINVALID, "Reactivate %s before making them the owner.", m.FullName)
		}
		if err := tx.SetMembershipRole(ctx, acc.ID, actor.UserID, domain.AdministratorRoleID); err != nil {
			return "", err
		}
		if err := tx.SetMemberScope(ctx, acc.ID, m.UserID, nil); err != nil {
			return "", err
		}
		return "Members > Transfer ownership > " + m.Email, tx.SetMembershipRole(ctx, acc.ID, m.UserID, domain.OwnerRoleID)
	})
}

// CloseAccount closes the account; only its owner may (account.close), typing the
// account's name to confirm. Members then see "ACCOUNT has been closed" and their
// favourites fall back; its pending invitations end (their links say so, and reopening
// does not revive them); staff can reopen it.
func (a *App) CloseAccount(ctx context.Context, actor Actor, h Access, confirm string) error {
	access, err := a.open(h)
	if err != nil {
		return err
	}
	if !access.Permissions.Has(domain.PermAccountClose) {
		return forbidden(domain.PermAccountClose)
	}
	if strings.TrimSpace(confirm) != access.Account.Name {
		return domain.FieldError("confirm", "Type the account's name exactly to confirm.")
	}
	return a.tx(ctx, func(tx *store.Tx) error {
		acc, err := tx.LockAccount(ctx, access.Account.ID)
		if err != nil {
			return err
		}
		if err := tx.SetAccountStatus(ctx, acc.ID, domain.AccountClosed); err != nil {
			return err
		}
		if _, err := tx.EndInvitations(ctx, acc.ID, a.now()); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Account > Close", acc.Name, acc.ID, acc.OrganisationID)
	})
}

// ReopenAccount opens a closed account again (staff only).
func (a *App) ReopenAccount(ctx context.Context, actor Actor, slug string) (domain.Account, error) {
	if err := requireStaff(actor); err != nil {
		return domain.Account{}, err
	}
	var acc domain.Account
	err := a.tx(ctx, func(tx *store.Tx) error {
		var err error
		if acc, err = tx.AccountBySlug(ctx, slug); err != nil {
			return err
		}
		if acc.Status == domain.AccountActive {
			return domain.Errorf(domain.EINVALID, "%s is already open.", acc.Name)
		}
		if err := tx.SetAccountStatus(ctx, acc.ID, domain.AccountActive); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Staff > Accounts > Reopen", acc.Name, acc.ID, acc.OrganisationID)
	})
	return acc, err
}

// SetPlan changes an account's plan and seat limit (staff only). A limit below the
// seats in use is refused.
func (a *App) SetPlan(ctx context.Context, actor Actor, slug, plan string, seats int) (domain.Account, error) {
	if err := requireStaff(actor); err != nil {
		return domain.Account{}, err
	}
	if plan != domain.PlanSolo && plan != domain.PlanTeam && plan != domain.PlanEnterprise {
		return domain.Account{}, domain.FieldError("plan", "Choose a plan.")
	}
	if seats < 1 || seats > 100000 {
		return domain.Account{}, domain.FieldError("seat_limit", "Enter a seat limit between 1 and 100000.")
	}
	var acc domain.Account
	err := a.tx(ctx, func(tx *store.Tx) error {
		found, err := tx.AccountBySlug(ctx, slug)
		if err != nil {
			return err
		}
		if acc, err = tx.LockAccount(ctx, found.ID); err != nil {
			return err
		}
		if used := acc.MemberCount + acc.PendingInvitations; seats < used {
			return domain.FieldError("seat_limit", "That is fewer seats than "+acc.Name+" uses now ("+itoa(used)+").")
		}
		if plan == domain.PlanSolo && acc.MemberCount > 1 {
			return domain.FieldError("plan", acc.Name+" has other members than its owner; remove them before moving to Solo.")
		}
		if err := tx.SetAccountPlan(ctx, acc.ID, plan, seats); err != nil {
			return err
		}
		acc.Plan, acc.SeatLimit = plan, seats
		return audit(ctx, tx, actor, "Staff > Accounts > Plan > "+plan+", "+itoa(seats)+" seats", acc.Name, acc.ID, acc.OrganisationID)
	})
	return acc, err
}

// LimitToLists limits a List manager to chosen lists of the account (none chosen: all
// lists). Needs members.manage; lists of other accounts are ignored. Audited.
func (a *App) LimitToLists(ctx context.Context, actor Actor, h Access, userID int64, listIDs []int64) (domain.Member, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Member{}, err
	}
	return a.memberChange(ctx, actor, access, domain.PermMembersManage, userID, "change the lists of", func(tx *store.Tx, acc domain.Account, m domain.Member, caller reach) (string, error) {
		if m.RoleID != domain.ListManagerRoleID {
			return "", domain.Errorf(domain.EINVALID, "Only a List manager can be limited to chosen lists.")
		}
		role, err := tx.RoleForAccount(ctx, acc.ID, m.RoleID)
		if err != nil {
			return "", err
		}
		if err := caller.covers(roleReach(role).limitLists(listIDs), "give these lists to", m.FullName); err != nil {
			return "", err
		}
		if err := tx.SetMemberScope(ctx, acc.ID, m.UserID, listIDs); err != nil {
			return "", err
		}
		what := "all lists"
		if len(listIDs) > 0 {
			what = itoa(len(listIDs)) + " chosen lists"
		}
		return "Members > Limit to lists > " + m.Email + " (" + what + ")", nil
	})
}
