// Package server is Atrium's HTTP layer: routes, middleware and one handler file per
// resource action. Handlers parse input, call the app layer and render templ pages;
// they run no SQL.
package server

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"atrium/internal/app"
	"atrium/internal/config"
	"atrium/internal/domain"
)

// Server holds the handlers' dependencies.
type Server struct {
	app      *app.App
	sessions *scs.SessionManager
	log      *slog.Logger
	cfg      config.Config
	pending  func() (bool, error)
	guards   *routeTable
	metrics  *metrics
	// now is the clock of pending sign-ins, re-authentication and idle timeouts.
	now func() time.Time
	// devIdP is the development identity provider (ATRIUM_DEV only; nil otherwise).
	devIdP http.Handler
}

// devIdPPath is where the development identity provider is served.
const devIdPPath = app.DemoIdPPath

// New builds the HTTP handler. readiness reports whether migrations are still pending.
func New(a *app.App, cfg config.Config, log *slog.Logger, readiness func() (bool, error)) (*Server, http.Handler) {
	s := &Server{app: a, cfg: cfg, log: log, pending: readiness, now: time.Now}
	s.metrics = s.newMetrics()
	if cfg.Dev {
		s.devIdP = newDevIdP(cfg.BaseURL, log)
	}
	s.sessions = NewSessionManager(a.SessionRows(), cfg)
	// A session that cannot be loaded or saved: 503 with Retry-After while the database
	// is unreachable (the request may be retried as is), 500 otherwise.
	s.sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		status := ErrorStatus(err)
		if status == http.StatusServiceUnavailable {
			s.log.WarnContext(r.Context(), "session: database unavailable", "err", err, "request_id", requestID(r.Context()))
			setRetryAfter(w, err)
			http.Error(w, domain.ErrorMessage(err), status)
			return
		}
		s.log.ErrorContext(r.Context(), "session", "err", err, "request_id", requestID(r.Context()))
		http.Error(w, "Something went wrong on our side. Please try again.", http.StatusInternalServerError)
	}
	return s, s.routes()
}

// NewSessionManager configures scs: PostgreSQL-backed (hashed tokens), an absolute
// lifetime, and no idle timeout so reading a page never rewrites the session. Under
// https the cookie is Secure with the __Host- prefix.
func NewSessionManager(rows sessionRows, cfg config.Config) *scs.SessionManager {
	sm := scs.New()
	sm.Store = sessionStore{rows: rows, codec: sm.Codec}
	sm.Lifetime = cfg.SessionLife
	sm.Cookie.Name = "atrium_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = false
	if cfg.Secure() {
		sm.Cookie.Secure = true
		sm.Cookie.Name = "__Host-atrium_session"
	}
	return sm
}

// SetClock replaces the server's clock (tests move time with it; the app has its own).
func (s *Server) SetClock(now func() time.Time) { s.now = now }

// Sessions exposes the session manager (tests read cookie names from it).
func (s *Server) Sessions() *scs.SessionManager { return s.sessions }

// SessionCleanupInterval is how often expired sessions are deleted.
const SessionCleanupInterval = 10 * time.Minute
