package domain

import "time"

// Invitation statuses. A pending invitation holds a seat; every other status is final
// except expired, which a resend makes pending again.
const (
	InvitationPending  = "pending"
	InvitationAccepted = "accepted"
	InvitationDeclined = "declined"
	InvitationRevoked  = "revoked"
	InvitationExpired  = "expired"
	// InvitationEnded is an invitation whose account was closed.
	InvitationEnded = "ended"
)

// What an invitation link can do, beyond the invitation's own status: it works
// (open), or a resend has replaced it.
const (
	InvitationLinkOpen     = "open"
	InvitationLinkReplaced = "replaced"
)

// Invitation asks someone, by email, to join one account with one role.
type Invitation struct {
	ID               int64
	AccountID        int64
	AccountSlug      string
	AccountName      string
	OrganisationName string
	Email            string
	FirstName        string
	LastName         string
	// RoleID is 0 once the custom role offered has been deleted; RoleName stays.
	RoleID   int64
	RoleName string
	// Message is the inviter's personal message (plain text, possibly empty).
	Message        string
	Status         string
	InvitedByID    int64
	InvitedByName  string
	InvitedByEmail string
	SentCount      int
	CreatedAt      time.Time
	LastSentAt     time.Time
	ExpiresAt      time.Time
	// AnsweredByID is who accepted, declined or revoked it (0: nobody yet).
	AnsweredByID int64
	AnsweredAt   *time.Time
	// MailStatus and MailError describe the delivery of the latest message sent for the
	// invitation (queued, sent or failed; "" when none is known).
	MailStatus string
	MailError  string
}

// FullName is the invitee's name as the inviter typed it.
func (i Invitation) FullName() string {
	if i.LastName == "" {
		return i.FirstName
	}
	return i.FirstName + " " + i.LastName
}

// ExpiredAt reports whether a pending invitation has passed its expiry at now.
func (i Invitation) ExpiredAt(now time.Time) bool {
	return i.Status == InvitationExpired || (i.Status == InvitationPending && !now.Before(i.ExpiresAt))
}

// Access request statuses.
const (
	AccessRequestOpen     = "open"
	AccessRequestApproved = "approved"
	AccessRequestDenied   = "denied"
)

// AccessRequest is a member asking for a permission their role lacks.
type AccessRequest struct {
	ID         int64
	AccountID  int64
	UserID     int64
	FullName   string
	Email      string
	Permission Permission
	Reason     string
	Status     string
	// RoleID and RoleName are the requester's role now; RoleNameBefore their role when
	// they asked.
	RoleID          int64
	RoleName        string
	RoleNameBefore  string
	GrantedRoleName string
	Note            string
	DecidedByName   string
	CreatedAt       time.Time
	DecidedAt       *time.Time
}
