package store

import (
	"context"

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
