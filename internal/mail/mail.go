// Package mail builds Atrium's emails and delivers them. A message is rendered and
// written to the outbox in the transaction of the change that causes it (Queue.Enqueue),
// so it is never lost and never sent for a change that did not happen; a job queue
// then works the outbox: over SMTP, or into the development mailbox when no SMTP server
// is configured.
package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// Queue writes messages to the outbox.
type Queue struct {
	// host names this installation in Message-IDs (from the base URL).
	host string
}

// NewQueue returns a queue whose Message-IDs carry the host of baseURL.
func NewQueue(baseURL string) *Queue {
	host := "atrium.invalid"
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return &Queue{host: host}
}

// Enqueue writes m to the outbox inside tx, under a new Message-ID, and returns it
// with its id. The caller commits tx; nothing is sent before that.
func (q *Queue) Enqueue(ctx context.Context, tx *store.Tx, m domain.OutboundMail) (domain.OutboundMail, error) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	m.MessageID = "<" + hex.EncodeToString(b) + "@" + q.host + ">"
	id, err := tx.InsertMail(ctx, m)
	m.ID = id
	return m, err
}
