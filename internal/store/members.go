package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"atrium/internal/domain"
)

// MembersPageSize is how many members one page of the members list shows.
const MembersPageSize = 50

const memberColumns = `u.id, u.full_name, u.email, m.role_id, r.name, m.status, u.last_login_at, m.created_at`

func scanMember(row pgx.CollectableRow) (domain.Member, error) {
	var m domain.Member
	return m, row.Scan(&m.UserID, &m.FullName, &m.Email, &m.RoleID, &m.RoleName, &m.Status, &m.LastLoginAt, &m.JoinedAt)
}

// membersPageSQL is one page of an account's members in three ordered parts — the
// owner, the active members, the deactivated ones — each bounded by LIMIT $2 + $3, so
// for a large account the active part walks users_lower_name_idx in name order and
// probes memberships per user, stopping after the page, instead of joining and sorting
// every member (which plans as a sequential scan of users). The outer sort sees at most
// 2·($2+$3)+1 rows.
const membersPageSQL = `
SELECT x.id, x.full_name, x.email, x.role_id, r.name, x.status, x.last_login_at, x.created_at
FROM (
	(SELECT 0 AS part, u.id, u.full_name, u.email, m.role_id, m.status, u.last_login_at, m.created_at
	 FROM memberships m JOIN users u ON u.id = m.user_id
	 WHERE m.account_id = $1 AND m.role_id = 1)
	UNION ALL
	(SELECT 1, u.id, u.full_name, u.email, m.role_id, m.status, u.last_login_at, m.created_at
	 FROM memberships m JOIN users u ON u.id = m.user_id
	 WHERE m.account_id = $1 AND m.status = 'active' AND m.role_id <> 1
	 ORDER BY lower(u.full_name), u.id LIMIT $2::bigint + $3::bigint)
	UNION ALL
	(SELECT 2, u.id, u.full_name, u.email, m.role_id, m.status, u.last_login_at, m.created_at
	 FROM memberships m JOIN users u ON u.id = m.user_id
	 WHERE m.account_id = $1 AND m.status = 'deactivated'
	 ORDER BY lower(u.full_name), u.id LIMIT $2::bigint + $3::bigint)
) x JOIN roles r ON r.id = x.role_id
ORDER BY x.part, lower(x.full_name), x.id
LIMIT $2 OFFSET $3`

// membersSearchSQL is one page of the members matching $4 (an ILIKE pattern): the
// trigram indexes find the few users, and their memberships are sorted.
const membersSearchSQL = `SELECT ` + memberColumns + `
FROM memberships m
JOIN users u ON u.id = m.user_id
JOIN roles r ON r.id = m.role_id
WHERE m.account_id = $1 AND m.status IN ('active', 'deactivated')
  AND (u.full_name ILIKE $4 OR u.email::text ILIKE $4)
ORDER BY (m.role_id = 1) DESC, (m.status = 'active') DESC, lower(u.full_name), u.id
LIMIT $2 OFFSET $3`

// MembersSQL returns the SQL of one page of the members list, with or without a search
// filter ($4 is the ILIKE pattern). Search and no-search are two SQL texts so a cached
// generic plan never has to serve both shapes.
func MembersSQL(search bool) string {
	if search {
		return membersSearchSQL
	}
	return membersPageSQL
}

// Members returns one page of an account's members: owner first, then active, then
// deactivated, each by name; removed members are not listed. query filters by name or
// email. It fetches one extra row so the caller knows whether another page follows.
func (q Q) Members(ctx context.Context, accountID int64, query string, page int) ([]domain.Member, error) {
	if page < 1 {
		page = 1
	}
	args := []any{accountID, MembersPageSize + 1, (page - 1) * MembersPageSize}
	if query != "" {
		args = append(args, LikePattern(query))
	}
	rows, _ := q.db.Query(ctx, MembersSQL(query != ""), args...)
	return collect(rows, scanMember)
}

// Member returns one membership of accountID (any status), or ENOTFOUND — also for a
// user of another account, so ids from other tenants reveal nothing.
func (q Q) Member(ctx context.Context, accountID, userID int64) (domain.Member, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+memberColumns+`
		FROM memberships m JOIN users u ON u.id = m.user_id JOIN roles r ON r.id = m.role_id
		WHERE m.account_id = $1 AND m.user_id = $2`, accountID, userID)
	m, err := pgx.CollectExactlyOneRow(rows, scanMember)
	return m, mapErr(err)
}

// LockAccount takes the account's row lock for the rest of the transaction and returns
// the account fresh; changes to members, seats and ownership take it first.
func (q Q) LockAccount(ctx context.Context, accountID int64) (domain.Account, error) {
	return scanAccount(q.db.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.id = $1 FOR UPDATE`, accountID))
}

// GrantMembership gives userID the role in accountID: a new membership, or a removed
// or deactivated one made active again with the new role.
func (q Q) GrantMembership(ctx context.Context, accountID, userID, roleID int64) error {
	_, err := q.db.Exec(ctx, `INSERT INTO memberships (account_id, user_id, role_id) VALUES ($1, $2, $3)
		ON CONFLICT (account_id, user_id) DO UPDATE SET role_id = EXCLUDED.role_id, status = 'active', updated_at = now()`,
		accountID, userID, roleID)
	return mapErr(err)
}

// SetAccountStatus opens or closes an account.
func (q Q) SetAccountStatus(ctx context.Context, accountID int64, status string) error {
	_, err := q.db.Exec(ctx, `UPDATE accounts SET status = $2,
		closed_at = CASE WHEN $2 = 'closed' THEN now() END WHERE id = $1`, accountID, status)
	return mapErr(err)
}

// SetAccountPlan changes an account's plan and seat limit.
func (q Q) SetAccountPlan(ctx context.Context, accountID int64, plan string, seatLimit int) error {
	_, err := q.db.Exec(ctx, `UPDATE accounts SET plan = $2, seat_limit = $3 WHERE id = $1`, accountID, plan, seatLimit)
	return mapErr(err)
}
