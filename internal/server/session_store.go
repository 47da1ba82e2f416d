package server

import (
	"context"
	"time"

	"github.com/alexedwards/scs/v2"

	"atrium/internal/store"
)

// sessionStore is the scs store. A signed-in session's row is created at sign-in, with
// its user (app.StartSession); committing such a session only updates that row, so a
// session its user or an organisation owner has ended cannot come back through a
// request that was still in flight. Sessions without a user (a notice after signing
// out) are created on commit as usual.
type sessionStore struct {
	store.SessionStore
	codec scs.Codec
}

// CommitCtx runs under scs's lock on the session data, so it reads the user from the
// encoded data rather than through the session manager.
func (s sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if _, values, err := s.codec.Decode(b); err == nil {
		if uid, _ := values[sessUserID].(int64); uid != 0 {
			return s.UpdateCtx(ctx, token, b, expiry)
		}
	}
	return s.SessionStore.CommitCtx(ctx, token, b, expiry)
}

// Commit satisfies scs.Store for callers without a context.
func (s sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}
