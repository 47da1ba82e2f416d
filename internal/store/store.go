// Package store is Atrium's only SQL: one Store over a pgx pool, one file per aggregate.
// Every tenant query takes the tenant id and filters by it. Driver errors are mapped to
// domain errors; no method returns (nil, nil).
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/domain"
)

// dbtx is what both the pool and a transaction offer.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Q holds every query; Store runs them on the pool, Tx inside one transaction.
type Q struct{ db dbtx }

// Store is the entry point to the database.
type Store struct {
	Q
	Pool *pgxpool.Pool
}

// New returns a Store over pool.
func New(pool *pgxpool.Pool) *Store { return &Store{Q: Q{db: pool}, Pool: pool} }

// Tx is one open transaction. Callers defer Rollback and finish with Commit.
type Tx struct {
	Q
	tx pgx.Tx
}

// Begin opens a transaction.
func (s *Store) Begin(ctx context.Context) (*Tx, error) {
	tx, err := s.Pool.Begin(ctx)
	if err != nil {
		return nil, mapErr(err)
	}
	return &Tx{Q: Q{db: tx}, tx: tx}, nil
}

// Commit commits, mapping constraint failures raised at commit to domain errors.
func (t *Tx) Commit(ctx context.Context) error { return mapErr(t.tx.Commit(ctx)) }

// Rollback aborts the transaction; after Commit it is a no-op.
func (t *Tx) Rollback(ctx context.Context) { _ = t.tx.Rollback(ctx) }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.Pool.Ping(ctx) }

// IsNotFound reports whether err is an ENOTFOUND domain error.
func IsNotFound(err error) bool { return domain.ErrorCode(err) == domain.ENOTFOUND }

// ErrUnavailable answers while the database cannot be reached (a restart, a
// failover): the request may simply be tried again a few seconds later.
var ErrUnavailable = &domain.Error{Code: domain.EUNAVAILABLE, RetryAfter: 5 * time.Second,
	Message: "Atrium cannot reach its database right now. Please try again in a few seconds."}

// unavailable reports whether err says the database cannot be reached now, as opposed
// to a query that failed on its own: a refused or broken connection, or a server that
// is shutting down or starting up.
func unavailable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// 08: connection exception; 57P01-57P03: shutdown, crash, starting up.
		return strings.HasPrefix(pg.Code, "08") || pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03"
	}
	var conn *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &conn) || errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		pgconn.SafeToRetry(err)
}

// mapErr turns driver errors into domain errors.
// isForeignKey reports whether err is a foreign-key violation.
func isForeignKey(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23503"
}

func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Errorf(domain.ENOTFOUND, "Not found.")
	}
	if unavailable(err) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case pg.Code == "23505":
			return &domain.Error{Code: domain.ECONFLICT, Message: "That already exists.", Field: pg.ConstraintName}
		case pg.Code == "P0001" && pg.Hint == "owner_invariant":
			return domain.Errorf(domain.EINVARIANT, "That change would leave no owner.")
		case pg.Code == "23514" || pg.Code == "22001":
			return domain.Errorf(domain.EINVALID, "That value is not allowed.")
		case pg.Code == "40001" || pg.Code == "40P01":
			return domain.Errorf(domain.ECONFLICT, "Someone else changed this at the same time; please try again.")
		}
	}
	return err
}
