package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"atrium/internal/domain"
)

// AccessRequestsPageSize bounds the open requests one page of the members list shows.
const AccessRequestsPageSize = 50

const accessRequestColumns = `ar.id, ar.account_id, ar.user_id, u.full_name, u.email, ar.permission, ar.reason, ar.status,
	coalesce(m.role_id, 0), coalesce(r.name, ''), ar.role_name_before, ar.granted_role_name, ar.note,
	coalesce(d.full_name, ''), ar.created_at, ar.decided_at`

const accessRequestFrom = ` FROM access_requests ar
	JOIN users u ON u.id = ar.user_id
	LEFT JOIN memberships m ON m.account_id = ar.account_id AND m.user_id = ar.user_id
	LEFT JOIN roles r ON r.id = m.role_id
	LEFT JOIN users d ON d.id = ar.decided_by`

func scanAccessRequest(row pgx.CollectableRow) (domain.AccessRequest, error) {
	var a domain.AccessRequest
	var perm string
	err := row.Scan(&a.ID, &a.AccountID, &a.UserID, &a.FullName, &a.Email, &perm, &a.Reason, &a.Status, &a.RoleID,
		&a.RoleName, &a.RoleNameBefore, &a.GrantedRoleName, &a.Note, &a.DecidedByName, &a.CreatedAt, &a.DecidedAt)
	a.Permission = domain.Permission(perm)
	return a, err
}

func (q Q) oneAccessRequest(ctx context.Context, sql string, args ...any) (domain.AccessRequest, error) {
	rows, _ := q.db.Query(ctx, sql, args...)
	a, err := pgx.CollectExactlyOneRow(rows, scanAccessRequest)
	return a, mapErr(err)
}

// InsertAccessRequest records userID asking for perm in accountID and returns its id.
// A second open request for the same member and permission gives ECONFLICT.
func (q Q) InsertAccessRequest(ctx context.Context, accountID, userID int64, perm domain.Permission, reason, roleName string, at time.Time) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `INSERT INTO access_requests (account_id, user_id, permission, reason, role_name_before, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, accountID, userID, string(perm), reason, roleName, at).Scan(&id)
	return id, mapErr(err)
}

// OpenAccessRequestFor returns the open request of userID for perm in accountID, or
// ENOTFOUND.
func (q Q) OpenAccessRequestFor(ctx context.Context, accountID, userID int64, perm domain.Permission) (domain.AccessRequest, error) {
	return q.oneAccessRequest(ctx, `SELECT `+accessRequestColumns+accessRequestFrom+`
		WHERE ar.account_id = $1 AND ar.user_id = $2 AND ar.permission = $3 AND ar.status = 'open'`, accountID, userID, string(perm))
}

// OpenAccessRequests returns one page of the open requests of accountID made by
// members who are still active, oldest first, with one extra row when another page
// follows.
func (q Q) OpenAccessRequests(ctx context.Context, accountID int64, page int) ([]domain.AccessRequest, error) {
	if page < 1 {
		page = 1
	}
	rows, _ := q.db.Query(ctx, `SELECT `+accessRequestColumns+accessRequestFrom+`
		WHERE ar.account_id = $1 AND ar.status = 'open' AND m.status = 'active'
		ORDER BY ar.id LIMIT $2 OFFSET $3`, accountID, AccessRequestsPageSize+1, (page-1)*AccessRequestsPageSize)
	return collect(rows, scanAccessRequest)
}

// LockAccessRequest returns one request of accountID and locks its row for the rest
// of the transaction; another account's gives ENOTFOUND.
func (q Q) LockAccessRequest(ctx context.Context, accountID, requestID int64) (domain.AccessRequest, error) {
	return q.oneAccessRequest(ctx, `SELECT `+accessRequestColumns+accessRequestFrom+`
		WHERE ar.account_id = $1 AND ar.id = $2 FOR UPDATE OF ar`, accountID, requestID)
}

// AccessDecision is what deciding a request records.
type AccessDecision struct {
	Status          string
	DecidedBy       int64
	At              time.Time
	GrantedRoleID   int64 // 0 when denied
	GrantedRoleName string
	Note            string
}

// DecideAccessRequest closes an open request of accountID with d; a request already
// decided gives EINVALID.
func (q Q) DecideAccessRequest(ctx context.Context, accountID, requestID int64, d AccessDecision) error {
	var role *int64
	if d.GrantedRoleID != 0 {
		role = &d.GrantedRoleID
	}
	tag, err := q.db.Exec(ctx, `UPDATE access_requests SET status = $3, decided_by = $4, decided_at = $5,
		granted_role_id = $6, granted_role_name = $7, note = $8
		WHERE account_id = $1 AND id = $2 AND status = 'open'`, accountID, requestID, d.Status, d.DecidedBy, d.At, role,
		d.GrantedRoleName, d.Note)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.EINVALID, "That request has already been decided.")
	}
	return nil
}

// ManagersOf returns up to limit active members of accountID, not disabled, whose role
// holds members.manage and perm (predefined roles among predefined; custom roles
// through their permissions), the owner first.
func (q Q) ManagersOf(ctx context.Context, accountID int64, predefined []int64, perm domain.Permission, limit int) ([]domain.Member, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+memberColumns+`
		FROM memberships m JOIN users u ON u.id = m.user_id JOIN roles r ON r.id = m.role_id
		WHERE m.account_id = $1 AND m.status = 'active' AND NOT u.disabled
		  AND (m.role_id = ANY($2) OR (r.account_id = $1
		    AND EXISTS (SELECT 1 FROM role_permissions p WHERE p.role_id = r.id AND p.permission = 'members.manage')
		    AND EXISTS (SELECT 1 FROM role_permissions p WHERE p.role_id = r.id AND p.permission = $3)))
		ORDER BY (m.role_id = 1) DESC, m.created_at, u.id
		LIMIT $4`, accountID, predefined, string(perm), limit)
	return collect(rows, scanMember)
}
