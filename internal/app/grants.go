package app

import (
	"context"
	"time"

	"atrium/internal/domain"
	"atrium/internal/mail"
	"atrium/internal/store"
)

// checkSeat refuses one more active member in a locked account when its plan allows
// only the owner, or when active members plus pending invitations reach the limit.
func checkSeat(acc domain.Account) error {
	if !domain.MultiUser(acc.Plan) {
		return domain.Errorf(domain.EINVALID, "%s is on the Solo plan, which allows only its owner. Upgrade to add users.", acc.Name)
	}
	if used := acc.MemberCount + acc.PendingInvitations; used >= acc.SeatLimit {
		return domain.Errorf(domain.EINVALID, "%s uses all %d of its seats (%d members, %d pending invitations). Free a seat or ask Atrium to raise the limit.",
			acc.Name, acc.SeatLimit, acc.MemberCount, acc.PendingInvitations)
	}
	return nil
}

// grant gives userID the role in the account inside tx, after locking the account
// (and expiring its overdue invitations, which free their seats):
// the role must belong to the account, the granter must hold all its permissions, and a
// seat must be free unless the user is already an active member. It returns the
// membership as it was before ("" status when new) and the role.
func grant(ctx context.Context, tx *store.Tx, granter reach, accountID, userID, roleID int64, now time.Time) (domain.Member, domain.Role, error) {
	// The role is checked before the account is locked (which may expire invitations):
	// a refused choice writes nothing.
	role, err := tx.RoleForAccount(ctx, accountID, roleID)
	if err != nil {
		return domain.Member{}, role, domain.FieldError("role", "Choose one of this account's roles.")
	}
	if err := canGrant(granter, role); err != nil {
		return domain.Member{}, role, err
	}
	acc, err := lockForSeats(ctx, tx, accountID, now)
	if err != nil {
		return domain.Member{}, domain.Role{}, err
	}
	before, err := tx.Member(ctx, acc.ID, userID)
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return before, role, err
	}
	if before.IsOwner() {
		return before, role, domain.FieldError("role", "This user owns the account; transfer ownership first.")
	}
	if before.Status != "" && before.Status != domain.MembershipRemoved {
		if err := checkCovers(ctx, tx, granter, acc.ID, before, "change the role of"); err != nil {
			return before, role, err
		}
	}
	if before.Status != domain.MembershipActive {
		if err := checkSeat(acc); err != nil {
			return before, role, err
		}
	}
	if err := tx.GrantMembership(ctx, acc.ID, userID, role.ID); err != nil {
		return before, role, err
	}
	return before, role, tx.AddOrganisationMember(ctx, acc.OrganisationID, userID)
}

// Grant gives an existing user a role in the caller's account (members.manage), with
// the seat, plan and "no more than you hold" rules. A user who had no active access is
// emailed that they were given it. Audited.
func (a *App) Grant(ctx context.Context, actor Actor, h Access, userID, roleID int64) error {
	access, err := a.open(h)
	if err != nil {
		return err
	}
	if !access.Permissions.Has(domain.PermMembersManage) {
		return forbidden(domain.PermMembersManage)
	}
	caller, err := a.callerReach(ctx, access)
	if err != nil {
		return err
	}
	return a.tx(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		before, role, err := grant(ctx, tx, caller, access.Account.ID, userID, roleID, a.now())
		if err != nil {
			return err
		}
		if before.Status != domain.MembershipActive {
			if err := a.tellGranted(ctx, tx, actor, u, access.Account, access.Organisation, role); err != nil {
				return err
			}
		}
		return audit(ctx, tx, actor, "Members > Grant > "+u.Email+" ("+role.Name+")", u.Email, access.Account.ID, access.Account.OrganisationID)
	})
}

// tellGranted emails u that actor gave them access to the account with the role.
func (a *App) tellGranted(ctx context.Context, tx *store.Tx, actor Actor, u domain.User, acc domain.Account, o domain.Organisation, role domain.Role) error {
	granter, err := tx.UserByID(ctx, actor.UserID)
	if err != nil {
		return err
	}
	_, err = a.mail.Enqueue(ctx, tx, mail.AccessGranted(mail.GrantFacts{To: u.Email, Name: u.FullName, GrantedByName: granter.FullName,
		GrantedByEmail: granter.Email, AccountID: acc.ID, AccountName: acc.Name, OrganisationName: o.Name, RoleName: role.Name,
		Link: a.baseURL + "/a/" + acc.Slug + "/"}))
	return err
}
