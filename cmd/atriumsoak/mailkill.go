package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/domain"
)

// mailKill queues one invitation per user (each an email in the outbox) against a slow
// SMTP server, kills the server with SIGKILL once a third of them are delivered,
// starts a new server process and waits until every message is delivered. Delivery is
// at least once: a message may arrive twice only if the SMTP server had accepted it
// while its outbox row was not yet marked sent when the process died; the duplicates
// are recognised by Message-ID and must all be such messages. It returns the new
// server and the failed checks.
func mailKill(ctx context.Context, o options, w *world, srv *serverProc, users []soakUser, browsers []*browser) (*serverProc, []string, error) {
	var failed []string
	fmt.Printf("\nMail: %d invitations against an SMTP server taking %s a message; SIGKILL once a third are delivered\n",
		len(users), o.mailDelay)
	w.sink.SetDelay(o.mailDelay)
	before := len(w.sink.Messages())

	var acked atomic.Int64
	var refusedMu sync.Mutex
	refused := map[string]int{}
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			form := url.Values{"first_name": {"Invitee"}, "last_name": {strconv.Itoa(i)}, "email": {fmt.Sprintf("invitee%04d@invitees.test", i)},
				"role": {strconv.FormatInt(domain.ViewerRoleID, 10)}, "message": {""}}
			a, err := browsers[i].do(ctx, http.MethodPost, srv.base, "/a/"+u.home+"/invitations", form)
			switch {
			case err != nil:
				refusedMu.Lock()
				refused[err.Error()]++
				refusedMu.Unlock()
			case a.status == http.StatusSeeOther && a.location == "/a/"+u.home+"/members":
				acked.Add(1)
			default:
				refusedMu.Lock()
				refused[fmt.Sprintf("%d -> %s", a.status, a.location)]++
				refusedMu.Unlock()
			}
		})
	}
	wg.Wait()
	queued := int(acked.Load())
	if queued != len(users) {
		failed = append(failed, fmt.Sprintf("mail: %d of %d invitations were refused: %v", len(users)-queued, len(users), refused))
	}
	killAt := before + max(queued/3, 1)
	if !w.sink.WaitCount(killAt, 3*time.Minute) {
		return srv, nil, fmt.Errorf("mail: fewer than %d messages delivered within 3 minutes", killAt-before)
	}
	srv.kill()
	killed := time.Now()
	time.Sleep(300 * time.Millisecond) // the SMTP sessions of the dead process end

	pool, err := pgxpool.New(ctx, w.dbURL)
	if err != nil {
		return nil, nil, err
	}
	defer pool.Close()
	atKill := map[string]string{} // Message-ID → outbox status when the process died
	rows, err := pool.Query(ctx, `SELECT message_id, status FROM mail_outbox WHERE to_address LIKE 'invitee%@invitees.test'`)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var id, status string
		if err := rows.Scan(&id, &status); err != nil {
			return nil, nil, err
		}
		atKill[id] = status
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	var running int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'mail_send' AND state = 'running'`).Scan(&running); err != nil {
		return nil, nil, err
	}
	deliveredAtKill := map[string]bool{}
	for _, m := range w.sink.Messages()[before:] {
		deliveredAtKill[m.ID] = true
	}
	window := map[string]bool{} // accepted by the SMTP server, not yet recorded as sent
	queuedAtKill := 0
	for id, st := range atKill {
		if st != "sent" {
			queuedAtKill++
			if deliveredAtKill[id] {
				window[id] = true
			}
		}
	}
	fmt.Printf("  %d invitations acknowledged, %d messages in the outbox\n", queued, len(atKill))
	fmt.Printf("  at the kill: %d delivered, %d not yet recorded as sent (%d deliveries running), of which %d already accepted by the SMTP server\n",
		len(deliveredAtKill), queuedAtKill, running, len(window))

	w.sink.SetDelay(0)
	srv, err = startServer(ctx, w.bin, w.dir, "atrium-after-kill", w.serverEnv())
	if err != nil {
		return nil, nil, err
	}
	started := time.Now()
	deadline := started.Add(3 * time.Minute)
	for {
		var pending int
		if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM mail_outbox WHERE to_address LIKE 'invitee%@invitees.test' AND status <> 'sent')
			+ (SELECT count(*) FROM river_job WHERE kind = 'mail_send' AND state NOT IN ('completed', 'cancelled', 'discarded'))`).Scan(&pending); err != nil {
			return srv, nil, err
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			return srv, nil, fmt.Errorf("mail: %d messages or jobs still pending 3 minutes after the restart:\n%s", pending, srv.logTail(10))
		}
		time.Sleep(100 * time.Millisecond)
	}
	drained := time.Now()
	var rescued int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'mail_send' AND errors::text LIKE '%Stuck job rescued%'`).Scan(&rescued); err != nil {
		return srv, nil, err
	}

	times := map[string]int{}
	strangers := 0
	for _, m := range w.sink.Messages()[before:] {
		if _, ok := atKill[m.ID]; !ok {
			strangers++
		}
		times[m.ID]++
	}
	missing, dups, dupsInWindow := 0, 0, 0
	for id := range atKill {
		switch n := times[id]; {
		case n == 0:
			missing++
		case n > 1:
			dups += n - 1
			if window[id] && n == 2 {
				dupsInWindow++
			}
		}
	}
	fmt.Printf("  new process ready %.2f s after the kill; every message recorded as sent %.2f s after it was ready (jobs of the dead process rescued: %d)\n",
		started.Sub(killed).Seconds(), drained.Sub(started).Seconds(), rescued)
	fmt.Printf("  delivered: %d of %d messages; missing %d; duplicates %d (Message-ID seen twice), all in the at-least-once window: %s\n",
		len(atKill)-missing, len(atKill), missing, dups, yes(dups == dupsInWindow))
	if missing > 0 {
		failed = append(failed, fmt.Sprintf("mail: %d messages were never delivered", missing))
	}
	if dups != dupsInWindow {
		failed = append(failed, fmt.Sprintf("mail: %d duplicates, only %d of them accepted by the SMTP server before the kill and not yet recorded as sent",
			dups, dupsInWindow))
	}
	if strangers > 0 {
		failed = append(failed, fmt.Sprintf("mail: %d delivered messages are not in the outbox", strangers))
	}
	return srv, failed, nil
}
