package mail

import "github.com/riverqueue/river"

// queueName is the job queue that delivers mail.
const queueName = "mail"

// jobAttemptCeiling is the job queue's own attempt limit for a delivery job. The worker
// fails a message after Delivery.MaxAttempts (at most this), so the queue never drops
// a job on its own, even when a job whose process died is rescued at its last attempt.
const jobAttemptCeiling = 100

// sendArgs is a delivery job: send the outbox message OutboxID.
type sendArgs struct {
	OutboxID int64 `json:"outbox_id"`
}

// Kind names the job in the queue's table.
func (sendArgs) Kind() string { return "mail_send" }

// InsertOpts puts delivery jobs on the mail queue.
func (sendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueName, MaxAttempts: jobAttemptCeiling}
}
