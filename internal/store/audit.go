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

// AuditForOrganisation returns the newest events of one organisation, before id
// beforeID (0 for the newest page).
func (q Q) AuditForOrganisation(ctx context.Context, orgID, beforeID int64, limit int) ([]domain.AuditEvent, error) {
	rows, _ := q.db.Query(ctx, `SELECT id, occurred_at, coalesce(actor_user_id, 0), actor_email, action, target,
		coalesce(account_id, 0), coalesce(organisation_id, 0), ip
		FROM audit_events WHERE organisation_id = $1 AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3`, orgID, beforeID, limit)
	return collect(rows, scanAudit)
}

func scanAudit(r pgx.CollectableRow) (domain.AuditEvent, error) {
	var e domain.AuditEvent
	err := r.Scan(&e.ID, &e.OccurredAt, &e.ActorUserID, &e.ActorEmail, &e.Action, &e.Target, &e.AccountID, &e.OrganisationID, &e.IP)
	return e, err
}
