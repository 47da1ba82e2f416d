package mail

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"atrium/internal/store"
)

// sendWorker delivers one outbox message per job.
type sendWorker struct {
	river.WorkerDefaults[sendArgs]
	store       *store.Store
	transport   Transport
	maxAttempts int
	retryBase   time.Duration
	log         *slog.Logger
}

// Work sends the message once per attempt and records how it went. A message that is
// no longer queued (already sent, or failed and not retried) is not sent again. The
// job's last allowed attempt that fails marks the message failed.
func (w *sendWorker) Work(ctx context.Context, job *river.Job[sendArgs]) error {
	id := job.Args.OutboxID
	m, err := w.store.ClaimMail(ctx, id)
	if store.IsNotFound(err) {
		w.log.InfoContext(ctx, "mail: not queued, nothing to send", "outbox_id", id)
		return nil
	}
	if err != nil {
		return err
	}
	sendErr := w.transport.Send(ctx, m)
	// The outcome is recorded even when the job's time ran out meanwhile: a message
	// handed over must not be handed over again for want of a context.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if sendErr == nil {
		if err := w.store.MarkMailSent(rec, id, w.transport.Name()); err != nil {
			return err
		}
		w.log.InfoContext(ctx, "mail: sent", "outbox_id", id, "kind", m.Kind, "transport", w.transport.Name(), "message_id", m.MessageID)
		return nil
	}
	final := job.Attempt >= w.maxAttempts
	if err := w.store.RecordMailError(rec, id, errorText(sendErr), final); err != nil {
		return err
	}
	w.log.WarnContext(ctx, "mail: delivery failed", "outbox_id", id, "attempt", job.Attempt, "failed", final, "err", sendErr)
	if final {
		return river.JobCancel(sendErr)
	}
	return sendErr
}

// NextRetry waits Backoff(retryBase, attempt) after the attempt-th failure.
func (w *sendWorker) NextRetry(job *river.Job[sendArgs]) time.Time {
	return time.Now().Add(Backoff(w.retryBase, job.Attempt))
}

// Backoff is the wait after the attempt-th failed delivery: base·attempt⁴, so with a
// base of one second 1 s, 16 s, 81 s, 4 min, 10 min, 22 min, 40 min (eight attempts
// span about 80 minutes), at most a day.
func Backoff(base time.Duration, attempt int) time.Duration {
	n := float64(max(attempt, 1))
	if d := float64(base) * n * n * n * n; d < float64(24*time.Hour) {
		return time.Duration(d)
	}
	return 24 * time.Hour
}

// errorText is err as recorded on the outbox row, cut to a readable length.
func errorText(err error) string {
	s := err.Error()
	if len(s) > 1000 {
		s = s[:1000] + "…"
	}
	return s
}
