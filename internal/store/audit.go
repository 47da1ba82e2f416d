package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"atrium/internal/domain"
)

// InsertAudit appends one event to the activity log.
func (q Q) InsertAudit(ctx context.Context, e domain.AuditEvent) error {
	_, err := q.db.Exec(ctx, `INSERT INTO audit_events (actor_user_id, actor_email, action, target, account_id, organisation_id, ip)
		VALUES (nullif($1, 0), $2, $3, $4, nullif($5, 0), nullif($6, 0), $7)`,
		e.ActorUserID, e.ActorEmail, e.Action, e.Target, e.AccountID, e.OrganisationID, e.IP)
	return mapErr(err)
}

// AuditForActor returns the newest events by one user (tests and the profile).
func (q Q) AuditForActor(ctx context.Context, userID int64, limit int) ([]domain.AuditEvent, error) {
	rows, _ := q.db.Query(ctx, `SELECT id, occurred_at, coalesce(actor_user_id, 0), actor_email, action, target,
		coalesce(account_id, 0), coalesce(organisation_id, 0), ip
		FROM audit_events WHERE actor_user_id = $1 ORDER BY id DESC LIMIT $2`, userID, limit)
	return collect(rows, scanAudit)
}

func scanAudit(r pgx.CollectableRow) (domain.AuditEvent, error) {
	var e domain.AuditEvent
	err := r.Scan(&e.ID, &e.OccurredAt, &e.ActorUserID, &e.ActorEmail, &e.Action, &e.Target, &e.AccountID, &e.OrganisationID, &e.IP)
	return e, err
}

// AuditPageSize is how many events one activity page shows.
const AuditPageSize = 50

// AuditForAccount returns the newest events of one account before id beforeID (0 for
// the newest page), optionally filtered by words in the action or actor; one extra row
// tells the caller another page follows.
func (q Q) AuditForAccount(ctx context.Context, accountID, beforeID int64, filter string) ([]domain.AuditEvent, error) {
	rows, _ := q.db.Query(ctx, `SELECT id, occurred_at, coalesce(actor_user_id, 0), actor_email, action, target,
		coalesce(account_id, 0), coalesce(organisation_id, 0), ip
		FROM audit_events WHERE account_id = $1 AND ($2 = 0 OR id < $2)
		  AND ($3 = '' OR action ILIKE '%' || $3 || '%' OR actor_email ILIKE '%' || $3 || '%' OR target ILIKE '%' || $3 || '%')
		ORDER BY id DESC LIMIT $4`, accountID, beforeID, filter, AuditPageSize+1)
	return collect(rows, scanAudit)
}

// AuditForOrganisation returns the newest events of one organisation (all its accounts
// and the organisation itself) before id beforeID (0 for the newest page), filtered like
// AuditForAccount, with one extra row.
func (q Q) AuditForOrganisation(ctx context.Context, orgID, beforeID int64, filter string) ([]domain.AuditEvent, error) {
	rows, _ := q.db.Query(ctx, `SELECT e.id, e.occurred_at, coalesce(e.actor_user_id, 0), e.actor_email, e.action, e.target,
		coalesce(e.account_id, 0), coalesce(e.organisation_id, 0), e.ip
		FROM audit_events e WHERE e.organisation_id = $1 AND ($2 = 0 OR e.id < $2)
		  AND ($3 = '' OR e.action ILIKE '%' || $3 || '%' OR e.actor_email ILIKE '%' || $3 || '%' OR e.target ILIKE '%' || $3 || '%')
		ORDER BY e.id DESC LIMIT $4`, orgID, beforeID, filter, AuditPageSize+1)
	return collect(rows, scanAudit)
}
