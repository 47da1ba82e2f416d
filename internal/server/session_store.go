package server

import (
	"context"
	"time"

	"github.com/alexedwards/scs/v2"
)

// sessionRows is where sessions are kept, by token (app.SessionRows).
type sessionRows interface {
	FindCtx(ctx context.Context, token string) ([]byte, bool, error)
	CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error
	UpdateCtx(ctx context.Context, token string, b []byte, expiry time.Time) error
	DeleteCtx(ctx context.Context, token string) error
}

// sessionStore is the scs store. A signed-in session's row is created at sign-in, with
// its user (app.StartSession); committing such a session only updates that row, so a
// session its user or an organisation owner has ended cannot come back through a
// request that was still in flight. Sessions without a user (a notice after signing
// out) are created on commit as usual.
type sessionStore struct {
	rows  sessionRows
	codec scs.Codec
}

// FindCtx returns the data of an unexpired session.
func (s sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return s.rows.FindCtx(ctx, token)
}

// CommitCtx runs under scs's lock on the session data, so it reads the user from the
// encoded data rather than through the session manager.
func (s sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if _, values, err := s.codec.Decode(b); err == nil {
		if uid, _ := values[sessUserID].(int64); uid != 0 {
			return s.rows.UpdateCtx(ctx, token, b, expiry)
		}
	}
	return s.rows.CommitCtx(ctx, token, b, expiry)
}

// DeleteCtx removes a session.
func (s sessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.rows.DeleteCtx(ctx, token)
}

// Find, Commit and Delete satisfy scs.Store for callers without a context.
func (s sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit stores a session.
func (s sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete removes a session.
func (s sessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }
