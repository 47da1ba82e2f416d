package server

import (
	"net/http"
	"time"

	"atrium/internal/domain"
)

// Idle timeout for sessions that have entered an account requiring two-factor
// authentication: after strictIdle without a request they end. The time of the last
// request is kept in the session and written at most once every seenEvery, so such a
// session writes to the database at most once a minute; every other session writes
// nothing when reading pages.
const (
	strictIdle = 30 * time.Minute
	seenEvery  = time.Minute

	sessStrict = "idle_strict" // the session has entered an account requiring 2FA
	sessSeen   = "seen"        // unix time of its last request, to the minute
)

// keepAlive ends a strict session idle for longer than strictIdle (the browser goes to
// /login, told why) and reports false; otherwise it notes the request, at most once a
// minute, and reports true.
func (s *Server) keepAlive(w http.ResponseWriter, r *http.Request) bool {
	ctx := r.Context()
	if !s.sessions.GetBool(ctx, sessStrict) {
		return true
	}
	now := s.now()
	seen := time.Unix(s.sessions.GetInt64(ctx, sessSeen), 0)
	if now.Sub(seen) > strictIdle {
		if err := s.sessions.Destroy(ctx); err != nil {
			s.fail(w, r, err)
			return false
		}
		if err := s.sessions.RenewToken(ctx); err != nil {
			s.fail(w, r, err)
			return false
		}
		s.sessions.Put(ctx, "notice", "You were signed out after 30 minutes without activity, because an account you opened requires two-factor authentication.")
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return false
	}
	if now.Sub(seen) >= seenEvery {
		s.sessions.Put(ctx, sessSeen, now.Unix())
	}
	return true
}

// markStrict starts the idle timeout of a session entering an account that requires
// two-factor authentication (one write, the first time).
func (s *Server) markStrict(r *http.Request, acc domain.Account) {
	ctx := r.Context()
	if acc.MFARequired && !s.sessions.GetBool(ctx, sessStrict) {
		s.sessions.Put(ctx, sessStrict, true)
		s.sessions.Put(ctx, sessSeen, s.now().Unix())
	}
}
