package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SignInAttempt is a password attempt that holds the throttle keys of its email and
// client address: PostgreSQL advisory locks, so attempts for one key are decided one
// at a time on every server sharing the database. The caller decides from the facts
// read under the locks and then either reserves the attempt (Reserve: it counts as a
// failure before any hashing) or lets it go (Release); both end the transaction and
// free the keys. Until then the attempt holds a pooled connection of its own, and any
// query it needs meanwhile must go through Q: waiting for another pooled connection
// while holding keys that other requests wait for could exhaust the pool.
type SignInAttempt struct {
	conn            *pgxpool.Conn
	emailKey, ipKey string
}

// lockKeySQL takes the transaction-scoped advisory lock of a throttle key.
const lockKeySQL = `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`

// BeginSignInAttempt opens a transaction, locks emailKey and then ipKey (always in
// that order, so two attempts never wait for each other in a cycle; ipKey may be "")
// and reads the SignInFacts of email in a statement of its own after the locks are
// held, so the counts include every attempt reserved before. One round trip.
func (s *Store) BeginSignInAttempt(ctx context.Context, email, emailKey, ipKey string) (*SignInAttempt, SignInFacts, error) {
	conn, err := s.Pool.Acquire(ctx)
	if err != nil {
		return nil, SignInFacts{}, err
	}
	att := &SignInAttempt{conn: conn, emailKey: emailKey, ipKey: ipKey}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(lockKeySQL, emailKey)
	if ipKey != "" {
		b.Queue(lockKeySQL, ipKey)
	}
	b.Queue(signInFactsSQL, email, emailKey, ipKey)
	br := conn.SendBatch(ctx, b)
	for i := 0; i < b.Len()-1 && err == nil; i++ {
		_, err = br.Exec()
	}
	var f SignInFacts
	if err == nil {
		f, err = scanSignInFacts(br.QueryRow())
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		att.Release(ctx)
		return nil, SignInFacts{}, mapErr(err)
	}
	return att, f, nil
}

// Q runs queries on the attempt's own connection, inside its transaction.
func (a *SignInAttempt) Q() Q { return Q{db: a.conn} }

// recordFailureSQL counts a failure against each key of $1 (empty keys skipped). An
// email's count runs on until a sign-in, a password set through a link or a staff
// unlock clears it; an address's starts again after an hour without failures.
const recordFailureSQL = `INSERT INTO login_throttles AS t (key, failures, last_failure_at)
	SELECT k, 1, now() FROM unnest($1::text[]) AS k WHERE k <> ''
	ON CONFLICT (key) DO UPDATE SET last_failure_at = now(),
		failures = CASE WHEN t.key LIKE 'ip:%' AND t.last_failure_at < now() - interval '1 hour' THEN 1
			ELSE t.failures + 1 END`

// Reserve counts the attempt as a failure against its email and address at once and
// commits, releasing the keys, in one round trip. A right password then gives the
// reservation back (RecordSignIn, SettleLoginAttempt).
func (a *SignInAttempt) Reserve(ctx context.Context) error {
	if a.conn == nil {
		return errors.New("store: sign-in attempt already ended")
	}
	b := &pgx.Batch{}
	b.Queue(recordFailureSQL, []string{a.emailKey, a.ipKey})
	b.Queue("COMMIT")
	br := a.conn.SendBatch(ctx, b)
	_, err := br.Exec()
	if err == nil {
		var tag pgconn.CommandTag
		if tag, err = br.Exec(); err == nil && tag.String() != "COMMIT" {
			err = errors.New("store: sign-in attempt rolled back at commit")
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		a.Release(ctx)
		return mapErr(err)
	}
	a.conn.Release()
	a.conn = nil
	return nil
}

// Release ends the attempt without counting it, releasing the keys. It does nothing
// after Reserve or Release. A connection it cannot roll back is closed, not reused
// (which ends its transaction and locks as well).
func (a *SignInAttempt) Release(ctx context.Context) {
	if a.conn == nil {
		return
	}
	_, _ = a.conn.Exec(ctx, "ROLLBACK")
	a.conn.Release()
	a.conn = nil
}

// settleAttemptSQL is the part of a WITH list that settles a password attempt proven
// right: the failures counted against the email key (parameter email) are forgotten
// and the failure the attempt reserved against the address key (parameter ip) is given
// back, the row deleted when none remains (failures stays above zero). The address's
// row is touched only after the email's (its CTEs read forget's result), the order in
// which a reservation locks them, so the two never deadlock.
func settleAttemptSQL(email, ip string) string {
	return `forget AS (DELETE FROM login_throttles WHERE key = ` + email + ` RETURNING key),
		ip_less AS (UPDATE login_throttles SET failures = failures - 1
			WHERE key = ` + ip + ` AND failures > 1 AND (SELECT count(*) FROM forget) >= 0),
		ip_gone AS (DELETE FROM login_throttles WHERE key = ` + ip + ` AND failures = 1 AND (SELECT count(*) FROM forget) >= 0)`
}

// SettleLoginAttempt settles a password attempt proven right other than by signing in
// (RecordSignIn does it then): emailKey's failures are forgotten and the failure
// reserved against ipKey is given back.
func (q Q) SettleLoginAttempt(ctx context.Context, emailKey, ipKey string) error {
	_, err := q.db.Exec(ctx, `WITH `+settleAttemptSQL("$1", "$2")+` SELECT`, emailKey, ipKey)
	return mapErr(err)
}
