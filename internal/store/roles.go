package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"atrium/internal/domain"
)

// RoleForAccount returns a predefined role, or a custom role of accountID, with its
// permissions and scope. A custom role of another account gives ENOTFOUND.
func (q Q) RoleForAccount(ctx context.Context, accountID, roleID int64) (domain.Role, error) {
	if p, ok := domain.PredefinedRoleByID(roleID); ok {
		return domain.Role{ID: p.ID, Key: p.Key, Name: p.Name, Permissions: p.Permissions}, nil
	}
	var r domain.Role
	var perms []string
	err := q.db.QueryRow(ctx, `SELECT r.id, r.account_id, r.name,
		ARRAY(SELECT permission FROM role_permissions WHERE role_id = r.id)
		FROM roles r WHERE r.id = $1 AND r.account_id = $2`, roleID, accountID).Scan(&r.ID, &r.AccountID, &r.Name, &perms)
	if err != nil {
		return r, mapErr(err)
	}
	r.Permissions, _ = domain.ParsePermissions(perms)
	r.Scope, err = q.roleScope(ctx, accountID, roleID)
	return r, err
}

// RolesOfAccount returns the predefined roles, then the account's custom roles by
// name, each custom role with its permissions, scope and member count.
func (q Q) RolesOfAccount(ctx context.Context, accountID int64) ([]domain.Role, error) {
	var out []domain.Role
	for _, p := range domain.PredefinedRoles {
		out = append(out, domain.Role{ID: p.ID, Key: p.Key, Name: p.Name, Permissions: p.Permissions})
	}
	rows, _ := q.db.Query(ctx, `SELECT r.id, r.account_id, r.name,
		ARRAY(SELECT permission FROM role_permissions WHERE role_id = r.id),
		(SELECT count(*) FROM memberships m WHERE m.account_id = r.account_id AND m.role_id = r.id AND m.status <> 'removed')
		FROM roles r WHERE r.account_id = $1 ORDER BY lower(r.name), r.id`, accountID)
	custom, err := collect(rows, func(row pgx.CollectableRow) (domain.Role, error) {
		var r domain.Role
		var perms []string
		err := row.Scan(&r.ID, &r.AccountID, &r.Name, &perms, &r.Members)
		r.Permissions, _ = domain.ParsePermissions(perms)
		return r, err
	})
	if err != nil {
		return nil, err
	}
	for i := range custom {
		if custom[i].Scope, err = q.roleScope(ctx, accountID, custom[i].ID); err != nil {
			return nil, err
		}
	}
	return append(out, custom...), nil
}

// roleScope lists the resources a custom role is limited to, with their names.
func (q Q) roleScope(ctx context.Context, accountID, roleID int64) ([]domain.ScopeItem, error) {
	rows, _ := q.db.Query(ctx, `SELECT s.resource_type, s.resource_id,
		coalesce(l.name, c.name, '')
		FROM resource_scopes s
		LEFT JOIN lists l ON s.resource_type = 'list' AND l.id = s.resource_id AND l.account_id = s.account_id
		LEFT JOIN campaigns c ON s.resource_type = 'campaign' AND c.id = s.resource_id AND c.account_id = s.account_id
		WHERE s.account_id = $1 AND s.role_id = $2 ORDER BY s.resource_type, s.resource_id`, accountID, roleID)
	return collect(rows, scanScope)
}

// SetMemberScope replaces the list scope of one membership (empty: all lists). Lists
// of other accounts are ignored.
func (q Q) SetMemberScope(ctx context.Context, accountID, userID int64, listIDs []int64) error {
	if _, err := q.db.Exec(ctx, `DELETE FROM resource_scopes WHERE account_id = $1 AND user_id = $2`, accountID, userID); err != nil {
		return mapErr(err)
	}
	if len(listIDs) == 0 {
		return nil
	}
	_, err := q.db.Exec(ctx, `INSERT INTO resource_scopes (account_id, user_id, resource_type, resource_id)
		SELECT $1, $2, 'list', l.id FROM lists l WHERE l.account_id = $1 AND l.id = ANY($3)`, accountID, userID, listIDs)
	return mapErr(err)
}

func scanScope(row pgx.CollectableRow) (domain.ScopeItem, error) {
	var s domain.ScopeItem
	return s, row.Scan(&s.Type, &s.ID, &s.Name)
}

// MemberScopes returns the list scopes of several members of one account at once.
func (q Q) MemberScopes(ctx context.Context, accountID int64, userIDs []int64) (map[int64][]domain.ScopeItem, error) {
	rows, _ := q.db.Query(ctx, `SELECT s.user_id, s.resource_type, s.resource_id, coalesce(l.name, '')
		FROM resource_scopes s
		LEFT JOIN lists l ON s.resource_type = 'list' AND l.id = s.resource_id AND l.account_id = s.account_id
		WHERE s.account_id = $1 AND s.user_id = ANY($2) ORDER BY lower(l.name), s.resource_id`, accountID, userIDs)
	out := map[int64][]domain.ScopeItem{}
	var uid int64
	var it domain.ScopeItem
	_, err := pgx.ForEachRow(rows, []any{&uid, &it.Type, &it.ID, &it.Name}, func() error {
		out[uid] = append(out[uid], it)
		return nil
	})
	return out, mapErr(err)
}

// ListChoices returns up to 500 of an account's lists by name, for scope pickers.
func (q Q) ListChoices(ctx context.Context, accountID int64) ([]domain.ScopeItem, error) {
	rows, _ := q.db.Query(ctx, `SELECT 'list', id, name FROM lists WHERE account_id = $1 ORDER BY lower(name), id LIMIT 500`, accountID)
	return collect(rows, scanScope)
}
