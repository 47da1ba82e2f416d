package domain

import "time"

// Organisation groups accounts under common owners.
type Organisation struct {
	ID   int64
	Slug string
	Name string
}

// Account statuses.
const (
	AccountActive = "active"
	AccountClosed = "closed"
)

// Membership statuses.
const (
	MembershipActive      = "active"
	MembershipDeactivated = "deactivated"
	MembershipRemoved     = "removed"
)

// Account is a tenant: everything inside /a/{slug}/ belongs to one.
type Account struct {
	ID             int64
	OrganisationID int64
	Slug           string
	Name           string
	Plan           string
	SeatLimit      int
	Status         string
	LoginMethod    string
	// SSOConnectionID is the organisation's SSO connection the account signs in
	// through (0: none).
	SSOConnectionID int64
	MFARequired     bool
	EnforceOnEntry  bool
	MemberCount     int
	// PendingInvitations count against the seat limit with the active members.
	PendingInvitations int
}

// User is one identity across the platform, keyed by a case-insensitive email.
type User struct {
	ID                 int64
	Email              string
	FullName           string
	FavouriteAccountID int64 // 0 when none
	LastLoginAt        *time.Time
	SessionEpoch       int
	IsStaff            bool
	Disabled           bool
}

// Entry is one account a user may enter, as shown in the switcher and the profile.
type Entry struct {
	AccountID        int64
	AccountSlug      string
	AccountName      string
	OrganisationID   int64
	OrganisationSlug string
	OrganisationName string
	RoleID           int64
	RoleName         string
	// ViaOrganisation is true when the user enters as an organisation owner rather
	// than through a membership of their own.
	ViaOrganisation bool
	JoinedAt        time.Time
	// LastEnteredAt is when the user last entered the account (recorded at most once
	// per account per session); zero when never.
	LastEnteredAt time.Time
}

// EntryPage is one page of the accounts a user may enter. The first page leads with
// Recent: the favourite (when it can be entered) and the accounts entered most
// recently, newest first. Entries are the others, by organisation name, organisation,
// account name and account; a page never repeats an account of Recent. When More is
// true, After (an account id) asks for the next page.
type EntryPage struct {
	Recent  []Entry
	Entries []Entry
	More    bool
	After   int64
}

// Access is what one request knows about the caller inside one account: loaded in one
// query by the account middleware and never cached in the session.
type Access struct {
	User         User
	Account      Account
	Organisation Organisation
	// MembershipStatus is "" when the user never had a membership.
	MembershipStatus string
	RoleID           int64
	RoleName         string
	OrgOwner         bool
	Permissions      PermissionSet
}

// AuditEvent is one line of the activity log.
type AuditEvent struct {
	ID             int64
	OccurredAt     time.Time
	ActorUserID    int64
	ActorEmail     string
	Action         string
	Target         string
	AccountID      int64
	OrganisationID int64
	IP             string
}

// SessionInfo describes one signed-in session of a user, for their list of sessions.
type SessionInfo struct {
	ID        int64
	CreatedAt time.Time
	Expiry    time.Time
	IP        string
	UserAgent string
	Current   bool // the session of the request asking
}

// OutboundMail is one email as Atrium sends it: rendered when it is queued, in the
// transaction of the change that causes it, and kept in the outbox.
type OutboundMail struct {
	ID int64
	// MessageID is the Message-ID header, the same on every delivery attempt.
	MessageID string
	// Kind says what the message is ("invitation", "access_request", …).
	Kind      string
	To        string
	Subject   string
	Text      string
	HTML      string
	AccountID int64 // 0 when the message concerns no account
	// Status is queued, sent or failed; Attempts and LastError tell the story.
	Status    string
	Attempts  int
	LastError string
	CreatedAt time.Time
	SentAt    *time.Time
	// Transport is how a sent message went: "smtp", or "dev" for the development
	// mailbox ("" until sent). LastAttemptAt is when delivery was last tried.
	Transport     string
	LastAttemptAt *time.Time
}

// SessionStart is a signed-in session being started (or renewed): until when it lasts
// and where it comes from. Its token travels beside it and is stored only as a hash.
type SessionStart struct {
	Expiry    time.Time
	IP        string
	UserAgent string
}

// PoolStats describes the database connection pool, for operations metrics.
type PoolStats struct {
	Max, Total, Idle, Acquired int32
	Acquires, EmptyAcquires    int64
	AcquireWait                time.Duration
}
