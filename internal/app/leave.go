package app

import (
	"context"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// LeaveAccount ends the actor's own membership of the account at once (status
// removed, as if an administrator had removed them): their next request there is
// refused. The owner cannot leave (transfer ownership first), and an organisation
// owner entering without a membership has none to leave (EINVALID both). Audited.
func (a *App) LeaveAccount(ctx context.Context, actor Actor, h Access) (domain.Account, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Account{}, err
	}
	var acc domain.Account
	err = a.tx(ctx, func(tx *store.Tx) error {
		if acc, err = tx.LockAccount(ctx, access.Account.ID); err != nil {
			return err
		}
		m, err := tx.Member(ctx, acc.ID, actor.UserID)
		if err != nil || m.Status != domain.MembershipActive {
			return domain.Errorf(domain.EINVALID, "You enter %s as an owner of %s, not as a member: there is no membership to leave.",
				acc.Name, access.Organisation.Name)
		}
		if m.IsOwner() {
			return domain.Errorf(domain.EINVALID, "You own %s: transfer ownership to another member before leaving.", acc.Name)
		}
		if err := tx.SetMemberScope(ctx, acc.ID, m.UserID, nil); err != nil {
			return err
		}
		if err := tx.SetMembershipStatus(ctx, acc.ID, m.UserID, domain.MembershipRemoved); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Members > Leave > "+m.Email+" ("+m.RoleName+")", m.Email, acc.ID, acc.OrganisationID)
	})
	return acc, err
}
