package server

import (
	"context"
	"net/http"
	"time"

	"atrium/internal/domain"
	"atrium/internal/policy"
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

// FinishSignInHandler answers every request by signing u in through finishSignIn, as
// a caller outside the sign-in pages (accepting an invitation) does once u has proven
// their password.
func (s *Server) FinishSignInHandler(u domain.User, next string) http.Handler {
	return s.sessions.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.finishSignIn(w, r, u, policy.Proof{Method: policy.MethodPassword, At: s.now()}, next)
	}))
}
