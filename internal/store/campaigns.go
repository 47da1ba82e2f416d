package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"atrium/internal/domain"
)

// WorkspacePageSize is how many campaigns, lists or contacts one page shows.
const WorkspacePageSize = 50

const campaignColumns = `c.id, c.account_id, c.name, c.status, c.published_at, c.updated_at`

func scanCampaign(row pgx.CollectableRow) (domain.Campaign, error) {
	var c domain.Campaign
	return c, row.Scan(&c.ID, &c.AccountID, &c.Name, &c.Status, &c.PublishedAt, &c.UpdatedAt)
}

// workspaceOffset returns the row offset of a 1-based page.
func workspaceOffset(page int) int {
	if page < 1 {
		page = 1
	}
	return (page - 1) * WorkspacePageSize
}

// Campaigns returns one page of an account's campaigns, newest first. ids limits the
// page to those campaigns (a scoped caller); nil means all. It fetches one extra row so
// the caller knows whether another page follows.
func (q Q) Campaigns(ctx context.Context, accountID int64, ids []int64, page int) ([]domain.Campaign, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+campaignColumns+` FROM campaigns c
		WHERE c.account_id = $1 AND ($2::boolean OR c.id = ANY($3::bigint[]))
		ORDER BY c.id DESC LIMIT $4 OFFSET $5`, accountID, ids == nil, ids, WorkspacePageSize+1, workspaceOffset(page))
	return collect(rows, scanCampaign)
}

// Campaign returns one campaign of accountID, or ENOTFOUND — also for another
// account's campaign, so ids from other tenants reveal nothing.
func (q Q) Campaign(ctx context.Context, accountID, campaignID int64) (domain.Campaign, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+campaignColumns+` FROM campaigns c WHERE c.account_id = $1 AND c.id = $2`,
		accountID, campaignID)
	c, err := pgx.CollectExactlyOneRow(rows, scanCampaign)
	return c, mapErr(err)
}

// LockCampaign is Campaign taking the row lock for the rest of the transaction.
func (q Q) LockCampaign(ctx context.Context, accountID, campaignID int64) (domain.Campaign, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+campaignColumns+` FROM campaigns c WHERE c.account_id = $1 AND c.id = $2 FOR UPDATE`,
		accountID, campaignID)
	c, err := pgx.CollectExactlyOneRow(rows, scanCampaign)
	return c, mapErr(err)
}

// CreateCampaign adds a draft campaign to accountID.
func (q Q) CreateCampaign(ctx context.Context, accountID int64, name string) (domain.Campaign, error) {
	rows, _ := q.db.Query(ctx, `INSERT INTO campaigns AS c (account_id, name) VALUES ($1, $2) RETURNING `+campaignColumns,
		accountID, name)
	c, err := pgx.CollectExactlyOneRow(rows, scanCampaign)
	return c, mapErr(err)
}

// RenameCampaign renames one campaign of accountID (ENOTFOUND for any other).
func (q Q) RenameCampaign(ctx context.Context, accountID, campaignID int64, name string) (domain.Campaign, error) {
	rows, _ := q.db.Query(ctx, `UPDATE campaigns c SET name = $3, updated_at = now()
		WHERE c.account_id = $1 AND c.id = $2 RETURNING `+campaignColumns, accountID, campaignID, name)
	c, err := pgx.CollectExactlyOneRow(rows, scanCampaign)
	return c, mapErr(err)
}

// PublishCampaign publishes one draft campaign of accountID. A campaign that is
// missing, of another account or already published gives ENOTFOUND.
func (q Q) PublishCampaign(ctx context.Context, accountID, campaignID int64) (domain.Campaign, error) {
	rows, _ := q.db.Query(ctx, `UPDATE campaigns c SET status = 'published', published_at = now(), updated_at = now()
		WHERE c.account_id = $1 AND c.id = $2 AND c.status = 'draft' RETURNING `+campaignColumns, accountID, campaignID)
	c, err := pgx.CollectExactlyOneRow(rows, scanCampaign)
	return c, mapErr(err)
}
