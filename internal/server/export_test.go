package server

import (
	"context"
	"net/http"
	"time"
)

// Routes exposes the router so tests can walk every registered route.
func (s *Server) Routes() http.Handler { return s.routes() }

// CommitSession commits session values under token through the server's session
// store, the way scs does at the end of a request.
func (s *Server) CommitSession(ctx context.Context, token string, values map[string]any) error {
	b, err := s.sessions.Codec.Encode(time.Now().Add(time.Hour), values)
	if err != nil {
		return err
	}
	return s.sessions.Store.(sessionStore).CommitCtx(ctx, token, b, time.Now().Add(time.Hour))
}

// SessionUserKey is the session key holding the signed-in user's id.
const SessionUserKey = sessUserID
