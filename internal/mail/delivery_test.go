package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/domain"
	"atrium/internal/mail"
	"atrium/internal/mailtest"
	"atrium/internal/pgtest"
	"atrium/internal/store"
)

const from = "Atrium <no-reply@atrium.test>"

// outbox is a database with a queue, and workers delivering to an SMTP test server.
type outbox struct {
	t     *testing.T
	pool  *pgxpool.Pool
	store *store.Store
	queue *mail.Queue
	smtp  *mailtest.Server
}

func newOutbox(t *testing.T, attempts int, retryBase time.Duration, opts ...mailtest.Option) *outbox {
	t.Helper()
	pool, _ := pgtest.New(t)
	o := &outbox{t: t, pool: pool, store: store.New(pool), queue: mail.NewQueue(pool, "http://atrium.test"), smtp: mailtest.Start(t, opts...)}
	tr, err := mail.NewSMTP(o.smtp.URL(), from)
	if err != nil {
		t.Fatal(err)
	}
	tr.TLSConfig, tr.Timeout = o.smtp.ClientTLS(), 10*time.Second
	w, err := mail.Start(context.Background(), pool, o.store, mail.Delivery{Transport: tr, MaxAttempts: attempts, RetryBase: retryBase,
		RescueAfter: 20 * time.Second, Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = w.Stop(ctx)
	})
	return o
}

func message(to string) domain.OutboundMail {
	return mail.Compose("test", to, "Hello <there>", 0, mail.Content{Heading: "Hi", Paragraphs: []string{"Read me & smile."},
		ActionLabel: "Open", ActionURL: "http://atrium.test/set-password/abc"})
}

// enqueue queues m in a transaction that commits, or rolls back.
func (o *outbox) enqueue(m domain.OutboundMail, commit bool) domain.OutboundMail {
	o.t.Helper()
	ctx := context.Background()
	tx, err := o.store.Begin(ctx)
	if err != nil {
		o.t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if m, err = o.queue.Enqueue(ctx, tx, m); err != nil {
		o.t.Fatal(err)
	}
	if commit {
		if err := tx.Commit(ctx); err != nil {
			o.t.Fatal(err)
		}
	}
	return m
}

func (o *outbox) count(sql string, args ...any) int {
	o.t.Helper()
	var n int
	if err := o.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		o.t.Fatal(err)
	}
	return n
}

// row reads the outbox row id.
func (o *outbox) row(id int64) (status string, attempts int, lastError, transport string, sent bool) {
	o.t.Helper()
	if err := o.pool.QueryRow(context.Background(), `SELECT status, attempts, last_error, transport, sent_at IS NOT NULL
		FROM mail_outbox WHERE id = $1`, id).Scan(&status, &attempts, &lastError, &transport, &sent); err != nil {
		o.t.Fatal(err)
	}
	return
}

// waitStatus waits until the outbox row id has status; the test fails after timeout.
func (o *outbox) waitStatus(id int64, status string, timeout time.Duration) {
	o.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if got, _, _, _, _ := o.row(id); got == status {
			return
		}
		if time.Now().After(deadline) {
			got, attempts, lastErr, _, _ := o.row(id)
			o.t.Fatalf("message %d is %s after %s (attempts %d, %q), want %s", id, got, timeout, attempts, lastErr, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitJobsFinished waits until every delivery job of message id is completed or
// cancelled; the test fails after timeout.
func (o *outbox) waitJobsFinished(id int64, timeout time.Duration) {
	o.t.Helper()
	deadline := time.Now().Add(timeout)
	for o.count(`SELECT count(*) FROM river_job WHERE kind = 'mail_send' AND (args->>'outbox_id')::bigint = $1
		AND state NOT IN ('completed', 'cancelled')`, id) > 0 {
		if time.Now().After(deadline) {
			o.t.Fatalf("the delivery jobs of message %d did not finish within %s", id, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestEnqueue_InTheCallersTransaction: a message queued in a transaction that rolls
// back leaves neither a message nor a job; one that commits is delivered, once, with
// both parts, its Message-ID, From and the headers that keep auto-replies away.
func TestEnqueue_InTheCallersTransaction(t *testing.T) {
	t.Parallel()
	o := newOutbox(t, 3, time.Millisecond)
	o.enqueue(message("gone@a.test"), false)
	if n := o.count(`SELECT count(*) FROM mail_outbox`); n != 0 {
		t.Fatalf("%d messages after a rollback", n)
	}
	if n := o.count(`SELECT count(*) FROM river_job`); n != 0 {
		t.Fatalf("%d jobs after a rollback", n)
	}

	m := o.enqueue(message("Jane@A.test"), true)
	got := o.smtp.WaitTo("Jane@A.test", 30*time.Second)
	if got.MessageID != m.MessageID || !strings.HasPrefix(m.MessageID, "<") || !strings.HasSuffix(m.MessageID, "@atrium.test>") {
		t.Errorf("Message-ID %q, outbox %q", got.MessageID, m.MessageID)
	}
	for header, want := range map[string]string{"From": `"Atrium" <no-reply@atrium.test>`, "To": "<Jane@A.test>",
		"Subject": "Hello <there>", "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"} {
		if v := got.Header.Get(header); v != want {
			t.Errorf("%s: %q, want %q", header, v, want)
		}
	}
	if got.From != "no-reply@atrium.test" {
		t.Errorf("envelope sender %q", got.From)
	}
	if got.ContentType != "multipart/alternative" || !strings.Contains(got.Text, "Read me & smile.") ||
		!strings.Contains(got.Text, "http://atrium.test/set-password/abc") || !strings.Contains(got.HTML, "Read me &amp; smile.") ||
		!strings.Contains(got.HTML, `href="http://atrium.test/set-password/abc"`) {
		t.Errorf("parts: %s\ntext: %s\nhtml: %s", got.ContentType, got.Text, got.HTML)
	}
	if got.Header.Get("User-Agent") != "" || got.Header.Get("X-Mailer") != "" {
		t.Error("the message names its mailer")
	}
	o.waitStatus(m.ID, "sent", 10*time.Second)
	if status, attempts, lastErr, transport, sent := o.row(m.ID); status != "sent" || attempts != 1 || lastErr != "" || transport != "smtp" || !sent {
		t.Errorf("outbox row: %s, %d attempts, %q, %q, sent %t", status, attempts, lastErr, transport, sent)
	}
	o.waitJobsFinished(m.ID, 10*time.Second)
	if n := len(o.smtp.Messages()); n != 1 {
		t.Fatalf("%d messages delivered, want 1", n)
	}
}

// TestWorker_SentIsNotSentAgain: a second job for a message already sent (a duplicate,
// or a retry nobody asked for) finishes without sending.
func TestWorker_SentIsNotSentAgain(t *testing.T) {
	t.Parallel()
	o := newOutbox(t, 3, time.Millisecond)
	m := o.enqueue(message("once@a.test"), true)
	o.smtp.WaitFor(1, 30*time.Second)
	o.waitStatus(m.ID, "sent", 10*time.Second)
	ctx := context.Background()
	tx, err := o.store.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.queue.Retry(ctx, tx, m.ID); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	o.waitJobsFinished(m.ID, 30*time.Second)
	if n := o.count(`SELECT count(*) FROM river_job WHERE state = 'completed'`); n != 2 {
		t.Fatalf("%d jobs completed, want 2", n)
	}
	if n := len(o.smtp.Messages()); n != 1 {
		t.Fatalf("a sent message was sent again: %d deliveries", n)
	}
	if _, attempts, _, _, _ := o.row(m.ID); attempts != 1 {
		t.Fatalf("%d attempts recorded, want 1", attempts)
	}
}

// TestWorker_RetriesWithBackoffThenFails: a server that refuses gets the message again
// after each wait of the backoff, each attempt and its error recorded; after the last
// attempt the message is failed and no job is left. Put back in the queue with a new
// job, it is delivered under the same Message-ID.
func TestWorker_RetriesWithBackoffThenFails(t *testing.T) {
	t.Parallel()
	base := 20 * time.Millisecond
	o := newOutbox(t, 3, base)
	o.smtp.SetMode(mailtest.Refuse)
	m := o.enqueue(message("later@a.test"), true)
	o.waitStatus(m.ID, "failed", 30*time.Second)
	status, attempts, lastErr, transport, sent := o.row(m.ID)
	if attempts != 3 || !strings.Contains(lastErr, "451") || !strings.Contains(lastErr, "try again later") || transport != "" || sent {
		t.Fatalf("failed row: %s, %d attempts, %q, %q", status, attempts, lastErr, transport)
	}
	refusals := o.smtp.RefusedAt()
	if len(refusals) != 3 {
		t.Fatalf("%d refusals, want 3", len(refusals))
	}
	// Each retry came after the backoff of the attempt before it (a lower bound that
	// holds however slow the machine: the retry is scheduled after the refusal).
	for i := 1; i < len(refusals); i++ {
		if gap, min := refusals[i].Sub(refusals[i-1]), mail.Backoff(base, i); gap < min {
			t.Errorf("retry %d came %s after the refusal before it, before its backoff of %s", i, gap, min)
		}
	}
	o.waitJobsFinished(m.ID, 10*time.Second)
	if n := o.count(`SELECT count(*) FROM river_job WHERE state = 'cancelled'`); n != 1 {
		t.Fatalf("%d cancelled jobs, want the one that gave up", n)
	}

	o.smtp.SetMode(mailtest.Accept)
	ctx := context.Background()
	tx, err := o.store.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.RequeueFailedMail(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if err := o.queue.Retry(ctx, tx, m.ID); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := o.smtp.WaitTo("later@a.test", 30*time.Second); got.MessageID != m.MessageID {
		t.Fatalf("retried under Message-ID %q, want %q", got.MessageID, m.MessageID)
	}
	o.waitStatus(m.ID, "sent", 10*time.Second)
}

func TestBackoff_GrowsAndIsBounded(t *testing.T) {
	prev := time.Duration(0)
	for attempt := 1; attempt <= 8; attempt++ {
		d := mail.Backoff(time.Second, attempt)
		if d <= prev {
			t.Fatalf("attempt %d waits %s, no longer than attempt %d's %s", attempt, d, attempt-1, prev)
		}
		prev = d
	}
	if mail.Backoff(time.Second, 1) != time.Second || mail.Backoff(time.Second, 2) != 16*time.Second {
		t.Fatal("the first waits are not 1 s and 16 s")
	}
	if d := mail.Backoff(time.Hour, 1000); d != 24*time.Hour {
		t.Fatalf("a huge backoff is %s, want a day", d)
	}
}

// TestOpenPool_SizedForTheWorkers: the workers' own pool has a connection for every
// four workers, between 2 and 8, and names its connections "atrium mail" unless the URL
// names them.
func TestOpenPool_SizedForTheWorkers(t *testing.T) {
	t.Parallel()
	_, url := pgtest.New(t)
	ctx := context.Background()
	for workers, want := range map[int]int32{1: 2, 16: 4, 20: 5, 256: 8} {
		p, err := mail.OpenPool(ctx, url, workers)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Config().MaxConns; got != want {
			t.Errorf("%d workers: a pool of %d connections, want %d", workers, got, want)
		}
		var name string
		if err := p.QueryRow(ctx, `SELECT current_setting('application_name')`).Scan(&name); err != nil || name != "atrium mail" {
			t.Errorf("the pool's connections are named %q (%v), want atrium mail", name, err)
		}
		p.Close()
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	p, err := mail.OpenPool(ctx, url+sep+"application_name=mine", 4)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var name string
	if err := p.QueryRow(ctx, `SELECT current_setting('application_name')`).Scan(&name); err != nil || name != "mine" {
		t.Errorf("a URL's application_name became %q (%v)", name, err)
	}
}
