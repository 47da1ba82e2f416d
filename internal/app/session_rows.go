package app

import (
	"context"
	"time"

	"atrium/internal/auth"
)

// SessionRows is where the browser sessions live: PostgreSQL rows keyed by the SHA-256
// of the session token (auth.HashToken; tokens are hashed here and nowhere else on
// their way to the store). It has the methods of a session manager's context-aware
// store, so the HTTP layer hands it to its session manager as is.
type SessionRows struct{ a *App }

// SessionRows returns the session rows.
func (a *App) SessionRows() SessionRows { return SessionRows{a: a} }

// FindCtx returns the data of an unexpired session.
func (r SessionRows) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return r.a.store.SessionData(ctx, auth.HashToken(token))
}

// CommitCtx stores a session, creating its row when missing.
func (r SessionRows) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return r.a.store.SaveSession(ctx, auth.HashToken(token), b, expiry)
}

// UpdateCtx rewrites an existing session and never creates one.
func (r SessionRows) UpdateCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return r.a.store.UpdateSession(ctx, auth.HashToken(token), b, expiry)
}

// DeleteCtx removes a session.
func (r SessionRows) DeleteCtx(ctx context.Context, token string) error {
	return r.a.store.DeleteSession(ctx, auth.HashToken(token))
}

// Find, Commit and Delete serve callers without a context.
func (r SessionRows) Find(token string) ([]byte, bool, error) {
	return r.FindCtx(context.Background(), token)
}

// Commit stores a session.
func (r SessionRows) Commit(token string, b []byte, expiry time.Time) error {
	return r.CommitCtx(context.Background(), token, b, expiry)
}

// Delete removes a session.
func (r SessionRows) Delete(token string) error { return r.DeleteCtx(context.Background(), token) }

// DeleteExpiredSessions removes expired sessions; the server runs it periodically.
func (a *App) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	return a.store.DeleteExpiredSessions(ctx)
}

// Ping checks that the database answers (readiness).
func (a *App) Ping(ctx context.Context) error { return a.store.Ping(ctx) }
