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
// ends on its next one. Owners only. Audited.
func (a *App) EndOrgUserSessions(ctx context.Context, actor Actor, orgSlug string, userID int64) (domain.OrgUser, int64, error) {
	var out domain.OrgUser
	var n int64
	err := a.orgUserChange(ctx, actor, orgSlug, userID, func(tx *store.Tx, o domain.Organisation, u domain.OrgUser) error {
		out = u
		var err error
		if n, err = tx.EndUserSessions(ctx, u.UserID, nil); err != nil {
			return err
		}
		if _, err := tx.BumpSessionEpoch(ctx, u.UserID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, fmt.Sprintf("Users > Sign out everywhere > %s (%d sessions)", u.Email, n), u.Email, 0, o.ID)
	})
	return out, n, err
}
