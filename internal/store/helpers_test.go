package store_test

import (
	"context"

	"atrium/internal/domain"
	"atrium/internal/store"
)

func demote(ctx context.Context, tx *store.Tx, accountID, userID int64) error {
	return tx.SetMembershipRole(ctx, accountID, userID, domain.AdministratorRoleID)
}

func promote(ctx context.Context, tx *store.Tx, accountID, userID int64) error {
	return tx.SetMembershipRole(ctx, accountID, userID, domain.OwnerRoleID)
}

func mapped(err error) error { return store.MapErr(err) }
