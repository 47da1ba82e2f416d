package app

import (
	"context"

	"atrium/internal/domain"
)

// MailQueueCounts returns how many messages wait for delivery and how many failed for
// good (operations metrics).
func (a *App) MailQueueCounts(ctx context.Context) (pending, failed int64, err error) {
	return a.store.MailQueueCounts(ctx)
}

// PoolStats describes the database connection pool (operations metrics).
func (a *App) PoolStats() domain.PoolStats { return a.store.PoolStats() }
