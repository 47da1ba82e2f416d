package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"atrium/internal/domain"
)

// InvitationsPageSize is how many invitations one page of an account's list shows.
const InvitationsPageSize = 50

const invitationColumns = `i.id, i.account_id, a.slug, a.name, o.name, i.email, i.first_name, i.last_name,
	coalesce(i.role_id, 0), i.role_name, i.message, i.status, i.invited_by, u.full_name, u.email, i.sent_count,
	i.created_at, i.last_sent_at, i.expires_at, coalesce(i.answered_by, 0), i.answered_at, coalesce(mo.status, ''), coalesce(mo.last_error, '')`

const invitationFrom = ` FROM invitations i
	JOIN accounts a ON a.id = i.account_id
	JOIN organisations o ON o.id = a.organisation_id
	JOIN users u ON u.id = i.invited_by
	LEFT JOIN mail_outbox mo ON mo.id = i.mail_id`

func scanInvitation(row pgx.CollectableRow) (domain.Invitation, error) {
	var i domain.Invitation
	err := row.Scan(&i.ID, &i.AccountID, &i.AccountSlug, &i.AccountName, &i.OrganisationName, &i.Email, &i.FirstName,
		&i.LastName, &i.RoleID, &i.RoleName, &i.Message, &i.Status, &i.InvitedByID, &i.InvitedByName, &i.InvitedByEmail,
		&i.SentCount, &i.CreatedAt, &i.LastSentAt, &i.ExpiresAt, &i.AnsweredByID, &i.AnsweredAt, &i.MailStatus, &i.MailError)
	return i, err
}

func (q Q) oneInvitation(ctx context.Context, sql string, args ...any) (domain.Invitation, error) {
	rows, _ := q.db.Query(ctx, sql, args...)
	i, err := pgx.CollectExactlyOneRow(rows, scanInvitation)
	return i, mapErr(err)
}

// NewInvitation is an invitation to write.
type NewInvitation struct {
	AccountID int64
	Email     string
	FirstName string
	LastName  string
	RoleID    int64
	RoleName  string
	Message   string
	InvitedBy int64
	SentAt    time.Time
	ExpiresAt time.Time
}

// InsertInvitation writes a pending invitation and returns its id. A second pending
// invitation for the same account and email gives ECONFLICT.
func (q Q) InsertInvitation(ctx context.Context, n NewInvitation) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `INSERT INTO invitations (account_id, email, first_name, last_name, role_id, role_name,
		message, invited_by, last_sent_at, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9)
		RETURNING id`, n.AccountID, n.Email, n.FirstName, n.LastName, n.RoleID, n.RoleName, n.Message, n.InvitedBy,
		n.SentAt, n.ExpiresAt).Scan(&id)
	return id, mapErr(err)
}

// SetInvitationToken makes hash the one working link of an invitation of accountID:
// the link it had before is marked replaced and stops working. Another account's
// invitation gives ENOTFOUND.
func (q Q) SetInvitationToken(ctx context.Context, accountID, invitationID int64, hash []byte, at time.Time) error {
	if _, err := q.db.Exec(ctx, `UPDATE invitation_tokens t SET replaced_at = $3 FROM invitations i
		WHERE i.id = t.invitation_id AND i.account_id = $1 AND t.invitation_id = $2 AND t.replaced_at IS NULL`,
		accountID, invitationID, at); err != nil {
		return mapErr(err)
	}
	tag, err := q.db.Exec(ctx, `INSERT INTO invitation_tokens (token_hash, invitation_id, created_at)
		SELECT $3, i.id, $4 FROM invitations i WHERE i.account_id = $1 AND i.id = $2`, accountID, invitationID, hash, at)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Not found.")
	}
	return nil
}

// SetInvitationMail records the outbox row of the latest message sent for the
// invitation of accountID.
func (q Q) SetInvitationMail(ctx context.Context, accountID, invitationID, mailID int64) error {
	_, err := q.db.Exec(ctx, `UPDATE invitations SET mail_id = $3 WHERE account_id = $1 AND id = $2`,
		accountID, invitationID, mailID)
	return mapErr(err)
}

// InvitationByToken returns the invitation a link belongs to, and whether that link
// has been replaced by a newer one; an unknown link gives ENOTFOUND. The link is the
// tenant key here: it names one invitation of one account.
func (q Q) InvitationByToken(ctx context.Context, hash []byte) (domain.Invitation, bool, error) {
	var replaced bool
	var id int64
	err := q.db.QueryRow(ctx, `SELECT invitation_id, replaced_at IS NOT NULL FROM invitation_tokens WHERE token_hash = $1`,
		hash).Scan(&id, &replaced)
	if err != nil {
		return domain.Invitation{}, false, mapErr(err)
	}
	i, err := q.oneInvitation(ctx, `SELECT `+invitationColumns+invitationFrom+` WHERE i.id = $1`, id)
	return i, replaced, err
}

// Invitation returns one invitation of accountID; another account's gives ENOTFOUND.
func (q Q) Invitation(ctx context.Context, accountID, invitationID int64) (domain.Invitation, error) {
	return q.oneInvitation(ctx, `SELECT `+invitationColumns+invitationFrom+` WHERE i.account_id = $1 AND i.id = $2`,
		accountID, invitationID)
}

// LockInvitation returns one invitation of accountID and locks its row for the rest of
// the transaction; another account's gives ENOTFOUND. Take the account's lock first.
func (q Q) LockInvitation(ctx context.Context, accountID, invitationID int64) (domain.Invitation, error) {
	return q.oneInvitation(ctx, `SELECT `+invitationColumns+invitationFrom+` WHERE i.account_id = $1 AND i.id = $2
		FOR UPDATE OF i`, accountID, invitationID)
}

// PendingInvitationFor returns the pending invitation of accountID to email, or
// ENOTFOUND.
func (q Q) PendingInvitationFor(ctx context.Context, accountID int64, email string) (domain.Invitation, error) {
	return q.oneInvitation(ctx, `SELECT `+invitationColumns+invitationFrom+`
		WHERE i.account_id = $1 AND i.email = $2 AND i.status = 'pending'`, accountID, email)
}

// OpenInvitations returns one page of the invitations of accountID that still need
// someone: pending and expired ones, newest first. It fetches one extra row so the
// caller knows whether another page follows.
func (q Q) OpenInvitations(ctx context.Context, accountID int64, page int) ([]domain.Invitation, error) {
	if page < 1 {
		page = 1
	}
	rows, _ := q.db.Query(ctx, `SELECT `+invitationColumns+invitationFrom+`
		WHERE i.account_id = $1 AND i.status IN ('pending', 'expired')
		ORDER BY i.id DESC LIMIT $2 OFFSET $3`, accountID, InvitationsPageSize+1, (page-1)*InvitationsPageSize)
	return collect(rows, scanInvitation)
}

// OrganisationInvitations returns up to limit pending invitations to the accounts of
// orgID, newest first.
func (q Q) OrganisationInvitations(ctx context.Context, orgID int64, limit int) ([]domain.Invitation, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+invitationColumns+invitationFrom+`
		WHERE a.organisation_id = $1 AND i.status = 'pending'
		ORDER BY i.id DESC LIMIT $2`, orgID, limit)
	return collect(rows, scanInvitation)
}

// SetInvitationStatus moves an invitation of accountID to status, recording who
// answered or revoked it (0: nobody) and when.
func (q Q) SetInvitationStatus(ctx context.Context, accountID, invitationID int64, status string, by int64, at time.Time) error {
	var who *int64
	if by != 0 {
		who = &by
	}
	tag, err := q.db.Exec(ctx, `UPDATE invitations SET status = $3, answered_by = $4, answered_at = $5
		WHERE account_id = $1 AND id = $2`, accountID, invitationID, status, who, at)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Not found.")
	}
	return nil
}

// RenewInvitation makes an invitation of accountID pending again until expires, as
// sent once more at sentAt.
func (q Q) RenewInvitation(ctx context.Context, accountID, invitationID int64, sentAt, expires time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE invitations SET status = 'pending', sent_count = sent_count + 1,
		last_sent_at = $3, expires_at = $4 WHERE account_id = $1 AND id = $2`, accountID, invitationID, sentAt, expires)
	return mapErr(err)
}

// ExpireInvitations marks the pending invitations of accountID whose expiry has passed
// at now as expired, freeing their seats, and reports how many.
func (q Q) ExpireInvitations(ctx context.Context, accountID int64, now time.Time) (int64, error) {
	tag, err := q.db.Exec(ctx, `UPDATE invitations SET status = 'expired'
		WHERE account_id = $1 AND status = 'pending' AND expires_at <= $2`, accountID, now)
	return tag.RowsAffected(), mapErr(err)
}

// AccountsWithOverdueInvitations lists the accounts holding pending invitations whose
// expiry has passed at now.
func (q Q) AccountsWithOverdueInvitations(ctx context.Context, now time.Time) ([]int64, error) {
	rows, _ := q.db.Query(ctx, `SELECT DISTINCT account_id FROM invitations WHERE status = 'pending' AND expires_at <= $1`, now)
	return collect(rows, func(r pgx.CollectableRow) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
}

// EndInvitations ends every pending invitation of accountID (the account closed) and
// reports how many.
func (q Q) EndInvitations(ctx context.Context, accountID int64, at time.Time) (int64, error) {
	tag, err := q.db.Exec(ctx, `UPDATE invitations SET status = 'ended', answered_at = $2
		WHERE account_id = $1 AND status = 'pending'`, accountID, at)
	return tag.RowsAffected(), mapErr(err)
}

// LockInvitationSender serialises the invitation sends of one sender across accounts
// until the transaction ends, so their rate limit holds under parallel requests.
func (q Q) LockInvitationSender(ctx context.Context, senderID int64) error {
	_, err := q.db.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('atrium.invitation_sender:' || $1::bigint::text, 0))`, senderID)
	return mapErr(err)
}

// RecentInvitationSends returns the times of up to limit of the newest invitation
// emails sent after since by senderID (bySender) and for accountID (byAccount),
// newest first.
func (q Q) RecentInvitationSends(ctx context.Context, senderID, accountID int64, since time.Time, limit int) (bySender, byAccount []time.Time, err error) {
	times := func(sql string, key int64) ([]time.Time, error) {
		rows, _ := q.db.Query(ctx, sql, key, since, limit)
		return collect(rows, func(r pgx.CollectableRow) (time.Time, error) {
			var t time.Time
			return t, r.Scan(&t)
		})
	}
	if bySender, err = times(`SELECT sent_at FROM invitation_sends WHERE sender_id = $1 AND sent_at > $2
		ORDER BY sent_at DESC LIMIT $3`, senderID); err != nil {
		return nil, nil, err
	}
	byAccount, err = times(`SELECT sent_at FROM invitation_sends WHERE account_id = $1 AND sent_at > $2
		ORDER BY sent_at DESC LIMIT $3`, accountID)
	return bySender, byAccount, err
}

// RecordInvitationSend counts one invitation email sent by senderID for accountID.
func (q Q) RecordInvitationSend(ctx context.Context, accountID, senderID int64, at time.Time) error {
	_, err := q.db.Exec(ctx, `INSERT INTO invitation_sends (account_id, sender_id, sent_at) VALUES ($1, $2, $3)`,
		accountID, senderID, at)
	return mapErr(err)
}

// DeleteInvitationSendsBefore forgets sends older than before (no limit looks back
// that far) and reports how many.
func (q Q) DeleteInvitationSendsBefore(ctx context.Context, before time.Time) (int64, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM invitation_sends WHERE sent_at < $1`, before)
	return tag.RowsAffected(), mapErr(err)
}
