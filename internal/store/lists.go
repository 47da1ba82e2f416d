package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"atrium/internal/domain"
)

const listColumns = `l.id, l.account_id, l.name, l.contact_count`

func scanList(row pgx.CollectableRow) (domain.List, error) {
	var l domain.List
	return l, row.Scan(&l.ID, &l.AccountID, &l.Name, &l.ContactCount)
}

func scanContact(row pgx.CollectableRow) (domain.Contact, error) {
	var c domain.Contact
	return c, row.Scan(&c.ID, &c.ListID, &c.Email, &c.FullName)
}

// Lists returns one page of an account's lists by name, each with its kept contact
// count. ids limits the page to those lists (a scoped caller); nil means all. It
// fetches one extra row so the caller knows whether another page follows.
func (q Q) Lists(ctx context.Context, accountID int64, ids []int64, page int) ([]domain.List, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+listColumns+` FROM lists l
		WHERE l.account_id = $1 AND ($2::boolean OR l.id = ANY($3::bigint[]))
		ORDER BY lower(l.name), l.id LIMIT $4 OFFSET $5`, accountID, ids == nil, ids, WorkspacePageSize+1, workspaceOffset(page))
	return collect(rows, scanList)
}

// List returns one list of accountID, or ENOTFOUND — also for another account's list.
func (q Q) List(ctx context.Context, accountID, listID int64) (domain.List, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+listColumns+` FROM lists l WHERE l.account_id = $1 AND l.id = $2`, accountID, listID)
	l, err := pgx.CollectExactlyOneRow(rows, scanList)
	return l, mapErr(err)
}

// LockList is List taking the row lock for the rest of the transaction, so contact
// additions to one list and its kept count are serialised.
func (q Q) LockList(ctx context.Context, accountID, listID int64) (domain.List, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+listColumns+` FROM lists l WHERE l.account_id = $1 AND l.id = $2 FOR UPDATE`,
		accountID, listID)
	l, err := pgx.CollectExactlyOneRow(rows, scanList)
	return l, mapErr(err)
}

// CreateList adds an empty list to accountID.
func (q Q) CreateList(ctx context.Context, accountID int64, name string) (domain.List, error) {
	rows, _ := q.db.Query(ctx, `INSERT INTO lists AS l (account_id, name) VALUES ($1, $2) RETURNING `+listColumns, accountID, name)
	l, err := pgx.CollectExactlyOneRow(rows, scanList)
	return l, mapErr(err)
}

// RenameList renames one list of accountID (ENOTFOUND for any other).
func (q Q) RenameList(ctx context.Context, accountID, listID int64, name string) (domain.List, error) {
	rows, _ := q.db.Query(ctx, `UPDATE lists l SET name = $3 WHERE l.account_id = $1 AND l.id = $2 RETURNING `+listColumns,
		accountID, listID, name)
	l, err := pgx.CollectExactlyOneRow(rows, scanList)
	return l, mapErr(err)
}

// Contacts returns one page of a list's contacts, newest first, fetching one extra row.
func (q Q) Contacts(ctx context.Context, accountID, listID int64, page int) ([]domain.Contact, error) {
	rows, _ := q.db.Query(ctx, `SELECT id, list_id, email, full_name FROM contacts
		WHERE account_id = $1 AND list_id = $2 ORDER BY id DESC LIMIT $3 OFFSET $4`,
		accountID, listID, WorkspacePageSize+1, workspaceOffset(page))
	return collect(rows, scanContact)
}

// AddContact puts an address on one list of accountID and raises the list's kept
// contact count; run it in a transaction after LockList, which proves the list is
// accountID's and keeps the count exact under concurrent additions. An address already
// on the list (compared without case) gives ECONFLICT and inserts nothing; a list of
// another account gives ENOTFOUND.
func (q Q) AddContact(ctx context.Context, accountID, listID int64, email, fullName string) (domain.Contact, error) {
	rows, _ := q.db.Query(ctx, `INSERT INTO contacts (account_id, list_id, email, full_name)
		SELECT l.account_id, l.id, $3, $4 FROM lists l WHERE l.account_id = $1 AND l.id = $2
		ON CONFLICT (list_id, email) DO NOTHING
		RETURNING id, list_id, email, full_name`, accountID, listID, email, fullName)
	c, err := pgx.CollectExactlyOneRow(rows, scanContact)
	if err = mapErr(err); domain.ErrorCode(err) == domain.ENOTFOUND {
		// No row: the address is already there, or the list is not accountID's.
		if _, lerr := q.List(ctx, accountID, listID); lerr != nil {
			return c, lerr
		}
		return c, &domain.Error{Code: domain.ECONFLICT, Message: "That address is already on this list.", Field: "email"}
	} else if err != nil {
		return c, err
	}
	tag, err := q.db.Exec(ctx, `UPDATE lists SET contact_count = contact_count + 1 WHERE account_id = $1 AND id = $2`,
		accountID, listID)
	if err == nil && tag.RowsAffected() != 1 {
		return c, domain.Errorf(domain.ENOTFOUND, "Not found.")
	}
	return c, mapErr(err)
}

// WorkspaceScope returns the ids of resourceType ("list" or "campaign") that a member
// of accountID is limited to, in one query: those of the membership's own scope and
// those of its custom role's scope (roleID 0 for predefined roles). Each set is nil
// when that scope names nothing of resourceType.
func (q Q) WorkspaceScope(ctx context.Context, accountID, userID, roleID int64, resourceType string) (member, role []int64, err error) {
	rows, _ := q.db.Query(ctx, `SELECT resource_id, user_id IS NOT NULL FROM resource_scopes
		WHERE account_id = $1 AND resource_type = $4 AND (user_id = $2 OR ($3 <> 0 AND role_id = $3))
		ORDER BY resource_id`, accountID, userID, roleID, resourceType)
	type item struct {
		id     int64
		member bool
	}
	items, err := collect(rows, func(row pgx.CollectableRow) (item, error) {
		var it item
		return it, row.Scan(&it.id, &it.member)
	})
	if err != nil {
		return nil, nil, err
	}
	for _, it := range items {
		if it.member {
			member = append(member, it.id)
		} else {
			role = append(role, it.id)
		}
	}
	return member, role, nil
}
