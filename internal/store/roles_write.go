package store

import (
	"context"

	"atrium/internal/domain"
)

// Scope resource types.
const (
	ScopeList     = "list"
	ScopeCampaign = "campaign"
)

// CreateRole adds a custom role to accountID with its permissions and returns its id.
// A name already used in the account (case-insensitively) gives ECONFLICT.
func (q Q) CreateRole(ctx context.Context, accountID int64, name string, perms []domain.Permission) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `INSERT INTO roles (account_id, name) VALUES ($1, $2) RETURNING id`, accountID, name).Scan(&id)
	if err != nil {
		return 0, mapErr(err)
	}
	return id, q.setRolePermissions(ctx, id, perms)
}

// UpdateRole renames a custom role of accountID and replaces its permissions. A role of
// another account (or a predefined one) gives ENOTFOUND; a name already used gives
// ECONFLICT.
func (q Q) UpdateRole(ctx context.Context, accountID, roleID int64, name string, perms []domain.Permission) error {
	tag, err := q.db.Exec(ctx, `UPDATE roles SET name = $3 WHERE id = $1 AND account_id = $2`, roleID, accountID, name)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Not found.")
	}
	return q.setRolePermissions(ctx, roleID, perms)
}

func (q Q) setRolePermissions(ctx context.Context, roleID int64, perms []domain.Permission) error {
	names := make([]string, len(perms))
	for i, p := range perms {
		names[i] = string(p)
	}
	if _, err := q.db.Exec(ctx, `DELETE FROM role_permissions WHERE role_id = $1`, roleID); err != nil {
		return mapErr(err)
	}
	_, err := q.db.Exec(ctx, `INSERT INTO role_permissions (role_id, permission)
		SELECT $1, p FROM unnest($2::text[]) AS p ON CONFLICT DO NOTHING`, roleID, names)
	return mapErr(err)
}

// SetRoleScope replaces the resource scope of a custom role of accountID (none: all
// resources). Every id must be a list or campaign of accountID: otherwise nothing is
// written and the result is EINVALID, so the caller's transaction must roll back.
func (q Q) SetRoleScope(ctx context.Context, accountID, roleID int64, listIDs, campaignIDs []int64) error {
	if _, err := q.db.Exec(ctx, `DELETE FROM resource_scopes WHERE account_id = $1 AND role_id = $2`, accountID, roleID); err != nil {
		return mapErr(err)
	}
	for _, s := range []struct {
		typ, table string
		ids        []int64
	}{{ScopeList, "lists", dedupeIDs(listIDs)}, {ScopeCampaign, "campaigns", dedupeIDs(campaignIDs)}} {
		if len(s.ids) == 0 {
			continue
		}
		tag, err := q.db.Exec(ctx, `INSERT INTO resource_scopes (account_id, role_id, resource_type, resource_id)
			SELECT $1, r.id, $3, x.id FROM roles r, `+s.table+` x
			WHERE r.id = $2 AND r.account_id = $1 AND x.account_id = $1 AND x.id = ANY($4)`,
			accountID, roleID, s.typ, s.ids)
		if err != nil {
			return mapErr(err)
		}
		if int(tag.RowsAffected()) != len(s.ids) {
			return domain.FieldError("scope", "Choose only lists and campaigns of this account.")
		}
	}
	return nil
}

// RoleHolders counts the memberships of accountID (active or deactivated) holding the
// role.
func (q Q) RoleHolders(ctx context.Context, accountID, roleID int64) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM memberships
		WHERE account_id = $1 AND role_id = $2 AND status IN ('active', 'deactivated')`, accountID, roleID).Scan(&n)
	return n, mapErr(err)
}

// MoveRoleHolders gives every active or deactivated membership of accountID holding
// fromRoleID the role toRoleID, and returns how many moved.
func (q Q) MoveRoleHolders(ctx context.Context, accountID, fromRoleID, toRoleID int64) (int, error) {
	tag, err := q.db.Exec(ctx, `UPDATE memberships SET role_id = $3, updated_at = now()
		WHERE account_id = $1 AND role_id = $2 AND status IN ('active', 'deactivated')`, accountID, fromRoleID, toRoleID)
	return int(tag.RowsAffected()), mapErr(err)
}

// DeleteRole deletes a custom role of accountID with its permissions and scope. Removed
// memberships that still name it fall back to the Viewer role (they grant nothing until
// the user is granted access again, which sets a role). A role still held by an active
// or deactivated membership cannot be deleted (EINVARIANT); another account's role gives
// ENOTFOUND.
func (q Q) DeleteRole(ctx context.Context, accountID, roleID int64) error {
	n, err := q.RoleHolders(ctx, accountID, roleID)
	if err != nil {
		return err
	}
	if n > 0 {
		return domain.Errorf(domain.EINVARIANT, "That role is still held by %d members.", n)
	}
	if _, err := q.db.Exec(ctx, `UPDATE memberships SET role_id = $3
		WHERE account_id = $1 AND role_id = $2 AND status = 'removed'`, accountID, roleID, domain.ViewerRoleID); err != nil {
		return mapErr(err)
	}
	tag, err := q.db.Exec(ctx, `DELETE FROM roles WHERE id = $1 AND account_id = $2`, roleID, accountID)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Not found.")
	}
	return nil
}

// ScopeChoices lists the lists and then the campaigns of accountID by name: what a
// custom role may be limited to.
func (q Q) ScopeChoices(ctx context.Context, accountID int64) ([]domain.ScopeItem, error) {
	rows, _ := q.db.Query(ctx, `SELECT t, id, name FROM (
		SELECT 'list' AS t, id, name FROM lists WHERE account_id = $1
		UNION ALL SELECT 'campaign', id, name FROM campaigns WHERE account_id = $1) x
		ORDER BY t DESC, lower(name), id`, accountID)
	return collect(rows, scanScope)
}

func dedupeIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	var out []int64
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
