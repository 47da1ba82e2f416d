// Package mail builds Atrium's emails and delivers them. A message is rendered and
// written to the outbox in the transaction of the change that causes it, together with
// the job that will deliver it (Queue.Enqueue), so it is never lost and never sent for a
// change that did not happen. Workers (Start) then work the outbox: over SMTP, or into
// the development mailbox when no SMTP server is configured. Delivery is at least once:
// a crash between the SMTP server's acceptance and the job's completion sends the
// message again, under the same Message-ID.
package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// Queue writes messages to the outbox and queues their delivery.
type Queue struct {
	// host names this installation in Message-IDs (from the base URL).
	host string
	// jobs only inserts jobs, always in a caller's transaction.
	jobs *river.Client[pgx.Tx]
}

// NewQueue returns a queue over pool whose Message-IDs carry the host of baseURL. The
// queue only writes; Start runs the workers that deliver.
func NewQueue(pool *pgxpool.Pool, baseURL string) *Queue {
	host := "atrium.invalid"
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	jobs, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		// An insert-only client with the default configuration: an error is a bug.
		panic(err)
	}
	return &Queue{host: host, jobs: jobs}
}

// Enqueue writes m to the outbox inside tx, under a new Message-ID, with the job that
// delivers it, and returns m with its id and Message-ID. The caller commits tx; nothing
// is sent before that, and nothing at all if tx rolls back.
func (q *Queue) Enqueue(ctx context.Context, tx *store.Tx, m domain.OutboundMail) (domain.OutboundMail, error) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	m.MessageID = "<" + hex.EncodeToString(b) + "@" + q.host + ">"
	id, err := tx.InsertMail(ctx, m)
	if err != nil {
		return m, err
	}
	m.ID = id
	return m, q.insertJob(ctx, tx, id)
}

// Retry queues a new delivery job, inside tx, for the outbox message id, which the
// caller has just put back in the queue (store.RequeueFailedMail). The message keeps
// its Message-ID; the new job has its full number of attempts.
func (q *Queue) Retry(ctx context.Context, tx *store.Tx, id int64) error {
	return q.insertJob(ctx, tx, id)
}

func (q *Queue) insertJob(ctx context.Context, tx *store.Tx, id int64) error {
	_, err := q.jobs.InsertTx(ctx, tx.JobTx(), sendArgs{OutboxID: id}, nil)
	return err
}
