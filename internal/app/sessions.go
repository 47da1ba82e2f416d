package app

import (
	"context"
	"fmt"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// Sessions lists the user's signed-in sessions, newest first, marking the one with
// the token current.
func (a *App) Sessions(ctx context.Context, u domain.User, current string) ([]domain.SessionInfo, error) {
	return a.store.UserSessions(ctx, u.ID, auth.HashToken(current))
}

// EndSession signs one of the actor's own sessions out; another user's session is
// ENOTFOUND. Audited.
func (a *App) EndSession(ctx context.Context, actor Actor, sessionID int64) error {
	return a.tx(ctx, func(tx *store.Tx) error {
		if err := tx.EndSession(ctx, actor.UserID, sessionID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Profile > Sign out a session", actor.Email, 0, 0)
	})
}

// EndOtherSessions signs out every session of the actor but the one with the token
// keep, and reports how many ended. Audited.
func (a *App) EndOtherSessions(ctx context.Context, actor Actor, keep string) (int64, error) {
	var n int64
	err := a.tx(ctx, func(tx *store.Tx) error {
		var err error
		if n, err = tx.EndUserSessions(ctx, actor.UserID, auth.HashToken(keep)); err != nil {
			return err
		}
		return audit(ctx, tx, actor, fmt.Sprintf("Profile > Sign out other sessions (%d)", n), actor.Email, 0, 0)
	})
	return n, err
}

// EndOrgUserSessions signs a user of the organisation out everywhere: every session
// row goes and their session epoch rises, so even a session in the middle of a request
// ends on its next one. Owners only, and only for users the organisation manages
// (EFORBIDDEN otherwise: see notManaged). Audited.
func (a *App) EndOrgUserSessions(ctx context.Context, actor Actor, orgSlug string, userID int64) (domain.OrgUser, int64, error) {
	var out domain.OrgUser
	var n int64
	err := a.orgUserChange(ctx, actor, orgSlug, userID, func(tx *store.Tx, o domain.Organisation, u domain.OrgUser) error {
		out = u
		if !u.Managed {
			return notManaged(u, o, "sign them out everywhere")
		}
		var err error
		if n, err = endAllSessions(ctx, tx, u.UserID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, fmt.Sprintf("Users > Sign out everywhere > %s (%d sessions)", u.Email, n), u.Email, 0, o.ID)
	})
	return out, n, err
}

// endAllSessions deletes every session row of the user and raises their session epoch,
// so a session in the middle of a request ends on its next one too.
func endAllSessions(ctx context.Context, tx *store.Tx, userID int64) (int64, error) {
	n, err := tx.EndUserSessions(ctx, userID, nil)
	if err != nil {
		return 0, err
	}
	_, err = tx.BumpSessionEpoch(ctx, userID)
	return n, err
}

// notManaged refuses an action that reaches beyond the organisation's accounts on a
// user it does not alone hold.
func notManaged(u domain.OrgUser, o domain.Organisation, what string) error {
	return domain.Errorf(domain.EFORBIDDEN, "%s also belongs to another organisation (or is Atrium staff), so only they or "+
		"Atrium staff can %s. You can remove or deactivate their access to %s's accounts, which takes effect on their next request.",
		u.Email, what, o.Name)
}
