package store

import (
	"context"

	"atrium/internal/domain"
)

var errNotMember = domain.Errorf(domain.ENOTFOUND, "That user is not a member of this account.")

// AddMembership grants userID the role in accountID; a second grant gives ECONFLICT.
func (q Q) AddMembership(ctx context.Context, accountID, userID, roleID int64) error {
	_, err := q.db.Exec(ctx, `INSERT INTO memberships (account_id, user_id, role_id) VALUES ($1, $2, $3)`,
		accountID, userID, roleID)
	return mapErr(err)
}

// SetMembershipStatus changes the status of userID's membership in accountID.
func (q Q) SetMembershipStatus(ctx context.Context, accountID, userID int64, status string) error {
	tag, err := q.db.Exec(ctx, `UPDATE memberships SET status = $3, updated_at = now()
		WHERE account_id = $1 AND user_id = $2`, accountID, userID, status)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return errNotMember
	}
	return nil
}

// EnsureMembership grants the role unless userID already has a membership in accountID
// (whatever its role or status); it reports whether it added one.
func (q Q) EnsureMembership(ctx context.Context, accountID, userID, roleID int64) (bool, error) {
	tag, err := q.db.Exec(ctx, `INSERT INTO memberships (account_id, user_id, role_id) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, accountID, userID, roleID)
	return tag.RowsAffected() == 1, mapErr(err)
}

// SetMembershipRole changes the role of userID in accountID. Making a second owner
// gives ECONFLICT; leaving the account without an owner fails at commit (EINVARIANT).
func (q Q) SetMembershipRole(ctx context.Context, accountID, userID, roleID int64) error {
	tag, err := q.db.Exec(ctx, `UPDATE memberships SET role_id = $3, updated_at = now()
		WHERE account_id = $1 AND user_id = $2`, accountID, userID, roleID)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return errNotMember
	}
	return nil
}
