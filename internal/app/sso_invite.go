package app

import (
	"context"

	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/internal/sso"
	"atrium/internal/store"
)

// InvitationSSO returns the connection the invitation's account signs in through when
// it signs in only through single sign-on: someone new accepts by signing in there.
// 0 for any other account. Errors as InvitationByLink.
func (a *App) InvitationSSO(ctx context.Context, token string) (int64, error) {
	v, err := a.InvitationByLink(ctx, token)
	if err != nil {
		return 0, err
	}
	acc, err := a.store.AccountBySlug(ctx, v.Invitation.AccountSlug)
	if err != nil {
		return 0, err
	}
	if acc.LoginMethod != policy.LoginSSO {
		return 0, nil
	}
	return acc.SSOConnectionID, nil
}

// AcceptInvitationViaSSO accepts an invitation for someone new to Atrium who signed
// in through the invitation's account's connection (id): the provider must assert the
// invited email, verified (the link was sent there, so nothing more is confirmed);
// the user is created without a password, the identity linked, and the invitation
// accepted as AcceptInvitation does. An email that has a user already gives
// ErrSignInToAnswer (they sign in, then accept); an identity linked to someone else
// ErrSSOOtherUser. Audited.
func (a *App) AcceptInvitationViaSSO(ctx context.Context, token string, id int64, claims sso.Claims, ip string) (domain.User, domain.Invitation, error) {
	var u domain.User
	var inv domain.Invitation
	if _, err := a.store.SSOIdentity(ctx, id, claims.Subject); err == nil {
		return u, inv, ErrSSOOtherUser
	} else if !store.IsNotFound(err) {
		return u, inv, err
	}
	err := a.tx(ctx, func(tx *store.Tx) error {
		l, err := a.lockByLink(ctx, tx, token)
		if err != nil {
			return err
		}
		inv = l.inv
		if l.state != LinkOpen {
			return ErrInvitationClosed
		}
		if l.acc.LoginMethod != policy.LoginSSO || l.acc.SSOConnectionID != id {
			return ErrSSONotMember
		}
		if !claims.EmailVerified || !SameEmail(claims.Email, l.inv.Email) {
			return errSSOEmail(NormaliseEmail(claims.Email), l.inv.Email)
		}
		name := claims.Name
		if name == "" {
			name = l.inv.FullName()
		}
		if name, err = cleanPersonName("full_name", name, 120, true); err != nil {
			name = l.inv.Email
		}
		if u, err = tx.CreatePendingUser(ctx, l.inv.Email, name, l.inv.InvitedByEmail+"'s invitation to "+l.acc.Name); err != nil {
			if domain.ErrorCode(err) == domain.ECONFLICT {
				return ErrSignInToAnswer
			}
			return err
		}
		actor := Actor{UserID: u.ID, Email: u.Email, IP: ip}
		if err := tx.LinkSSOIdentity(ctx, domain.SSOIdentity{ConnectionID: id, Subject: claims.Subject, UserID: u.ID,
			Email: NormaliseEmail(claims.Email)}); err != nil {
			if domain.ErrorCode(err) == domain.ECONFLICT {
				return ErrSSOOtherUser
			}
			return err
		}
		if err := audit(ctx, tx, actor, "Sign in > Single sign-on > Link identity > accepting the invitation to "+l.acc.Name, u.Email,
			l.acc.ID, l.acc.OrganisationID); err != nil {
			return err
		}
		return a.accept(ctx, tx, l, u, actor)
	})
	return u, inv, err
}
