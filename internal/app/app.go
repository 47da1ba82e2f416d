// Package app holds Atrium's use cases. Each public method opens the transaction,
// checks who may act and the invariants, writes the audit event and commits. It never
// sees HTTP, sessions or templates.
package app

import (
	"context"
	"time"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/mail"
	"atrium/internal/sso"
	"atrium/internal/store"
)

// App is the use-case layer. Build it with New.
type App struct {
	store   *store.Store
	hasher  *auth.Hasher
	mail    *mail.Queue
	now     func() time.Time
	baseURL string
	// devMailbox lets the development mailbox be read (SetDevMailbox).
	devMailbox bool
	// invitationTTL is how long an invitation link works (SetInvitationTTL).
	invitationTTL time.Duration
	// sealer seals secrets at rest (TOTP secrets, SSO client secrets, SAML
	// service-provider keys); nil until SetSecretKey (the use cases needing it fail
	// without it).
	sealer *auth.Sealer
	// ssoClient reaches identity providers (refusing private networks unless
	// SetSSOPrivateNetworks says otherwise); ssoCache keeps what was discovered of
	// them.
	ssoClient *sso.Client
	ssoCache  providers
}

// New wires the use cases over a store and a password hasher. baseURL prefixes links.
func New(s *store.Store, h *auth.Hasher, baseURL string) *App {
	return &App{store: s, hasher: h, mail: mail.NewQueue(s.Pool, baseURL), now: time.Now, baseURL: baseURL,
		invitationTTL: DefaultInvitationTTL, ssoClient: sso.NewClient(false)}
}

// DefaultInvitationTTL is how long an invitation link works unless configured.
const DefaultInvitationTTL = 7 * 24 * time.Hour

// SetInvitationTTL sets how long new and resent invitation links work (ATRIUM_INVITATION_TTL).
func (a *App) SetInvitationTTL(d time.Duration) {
	if d > 0 {
		a.invitationTTL = d
	}
}

// SetClock replaces the clock the use cases read (tests move time with it).
func (a *App) SetClock(now func() time.Time) { a.now = now }

// SetSecretKey sets the key that seals secrets at rest (ATRIUM_SECRET_KEY, 32 bytes),
// and the older keys whose sealed secrets must still open (ATRIUM_SECRET_KEY_OLD).
func (a *App) SetSecretKey(key []byte, older ...[]byte) error {
	s, err := auth.NewSealer(key, older...)
	if err != nil {
		return err
	}
	a.sealer = s
	return nil
}

// Hasher exposes the password hasher (benchmarks and tests count its work).
func (a *App) Hasher() *auth.Hasher { return a.hasher }

// Actor is who asks for a change, and from where.
type Actor struct {
	UserID  int64
	Email   string
	IP      string
	IsStaff bool
}

// System is the actor for changes made from the command line.
var System = Actor{Email: "system", IP: "cli", IsStaff: true}

// tx runs fn in one transaction and commits when fn succeeds.
func (a *App) tx(ctx context.Context, fn func(*store.Tx) error) error {
	tx, err := a.store.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// audit writes one activity-log event in the transaction.
func audit(ctx context.Context, tx *store.Tx, actor Actor, action, target string, accountID, orgID int64) error {
	return tx.InsertAudit(ctx, domain.AuditEvent{ActorUserID: actor.UserID, ActorEmail: actor.Email, Action: action,
		Target: target, AccountID: accountID, OrganisationID: orgID, IP: actor.IP})
}
