package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"atrium/internal/domain"
)

// InsertMail writes one rendered message to the outbox and returns its id. Call it in
// the transaction of the change that causes the message, so the message exists exactly
// when the change does.
func (q Q) InsertMail(ctx context.Context, m domain.OutboundMail) (int64, error) {
	var id int64
	var account *int64
	if m.AccountID != 0 {
		account = &m.AccountID
	}
	err := q.db.QueryRow(ctx, `INSERT INTO mail_outbox (message_id, kind, to_address, subject, text_body, html_body, account_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, m.MessageID, m.Kind, m.To, m.Subject, m.Text, m.HTML, account).Scan(&id)
	return id, mapErr(err)
}

// JobTx is the driver's transaction under t. It exists for the job queue alone
// (internal/mail inserts a message's delivery job in the transaction that writes the
// message); everything else goes through the store's methods.
func (t *Tx) JobTx() pgx.Tx { return t.tx }

const mailColumns = `id, message_id, kind, to_address, subject, text_body, html_body, coalesce(account_id, 0),
	status, attempts, last_error, created_at, sent_at, transport, last_attempt_at`

func scanMail(row pgx.Row) (domain.OutboundMail, error) {
	var m domain.OutboundMail
	err := row.Scan(&m.ID, &m.MessageID, &m.Kind, &m.To, &m.Subject, &m.Text, &m.HTML, &m.AccountID,
		&m.Status, &m.Attempts, &m.LastError, &m.CreatedAt, &m.SentAt, &m.Transport, &m.LastAttemptAt)
	return m, mapErr(err)
}

func (q Q) listMail(ctx context.Context, sql string, args ...any) ([]domain.OutboundMail, error) {
	rows, err := q.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []domain.OutboundMail
	for rows.Next() {
		m, err := scanMail(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, mapErr(rows.Err())
}

// ClaimMail counts a delivery attempt of the queued message id and returns it. A
// message that is not queued (sent, failed, or missing) gives ENOTFOUND: there is
// nothing to deliver.
func (q Q) ClaimMail(ctx context.Context, id int64) (domain.OutboundMail, error) {
	return scanMail(q.db.QueryRow(ctx, `UPDATE mail_outbox SET attempts = attempts + 1, last_attempt_at = now()
		WHERE id = $1 AND status = 'queued' RETURNING `+mailColumns, id))
}

// MarkMailSent records that the queued message id was handed over through transport
// ("smtp" or "dev"). ENOTFOUND when it is not queued.
func (q Q) MarkMailSent(ctx context.Context, id int64, transport string) error {
	tag, err := q.db.Exec(ctx, `UPDATE mail_outbox SET status = 'sent', sent_at = now(), transport = $2, last_error = ''
		WHERE id = $1 AND status = 'queued'`, id, transport)
	if err == nil && tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Not found.")
	}
	return mapErr(err)
}

// RecordMailError records why delivering the queued message id failed; failed marks it
// failed for good (staff may retry it). ENOTFOUND when it is not queued.
func (q Q) RecordMailError(ctx context.Context, id int64, msg string, failed bool) error {
	tag, err := q.db.Exec(ctx, `UPDATE mail_outbox SET last_error = $2,
		status = CASE WHEN $3 THEN 'failed' ELSE status END WHERE id = $1 AND status = 'queued'`, id, msg, failed)
	if err == nil && tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENOTFOUND, "Not found.")
	}
	return mapErr(err)
}

// RequeueFailedMail puts the failed message id back in the queue and returns it.
// ENOTFOUND when it is not failed.
func (q Q) RequeueFailedMail(ctx context.Context, id int64) (domain.OutboundMail, error) {
	return scanMail(q.db.QueryRow(ctx, `UPDATE mail_outbox SET status = 'queued'
		WHERE id = $1 AND status = 'failed' RETURNING `+mailColumns, id))
}

// FailedMail lists up to limit failed messages, newest first.
func (q Q) FailedMail(ctx context.Context, limit int) ([]domain.OutboundMail, error) {
	return q.listMail(ctx, `SELECT `+mailColumns+` FROM mail_outbox WHERE status = 'failed' ORDER BY id DESC LIMIT $1`, limit)
}

// DevMailbox lists the messages delivered to the development mailbox, newest first,
// skipping offset and returning at most limit.
func (q Q) DevMailbox(ctx context.Context, limit, offset int) ([]domain.OutboundMail, error) {
	return q.listMail(ctx, `SELECT `+mailColumns+` FROM mail_outbox WHERE transport = 'dev' ORDER BY id DESC LIMIT $1 OFFSET $2`,
		limit, offset)
}

// DevMail returns the message id if it was delivered to the development mailbox.
func (q Q) DevMail(ctx context.Context, id int64) (domain.OutboundMail, error) {
	return scanMail(q.db.QueryRow(ctx, `SELECT `+mailColumns+` FROM mail_outbox WHERE id = $1 AND transport = 'dev'`, id))
}

// MailQueueCounts returns how many delivery jobs wait or run (river's job table, by its
// state index) and how many messages have failed for good (the failed-rows index).
func (q Q) MailQueueCounts(ctx context.Context) (pending, failed int64, err error) {
	err = q.db.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM river_job WHERE state IN ('available', 'pending', 'retryable', 'running', 'scheduled')),
		(SELECT count(*) FROM mail_outbox WHERE status = 'failed')`).Scan(&pending, &failed)
	return pending, failed, mapErr(err)
}

// PoolStats reads the pool's statistics (no query).
func (s *Store) PoolStats() domain.PoolStats {
	st := s.Pool.Stat()
	return domain.PoolStats{Max: st.MaxConns(), Total: st.TotalConns(), Idle: st.IdleConns(), Acquired: st.AcquiredConns(),
		Acquires: st.AcquireCount(), EmptyAcquires: st.EmptyAcquireCount(), AcquireWait: st.AcquireDuration()}
}
