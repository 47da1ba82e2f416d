package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/app"
	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/smtpsink"
	"atrium/internal/store"
)

// The mail phase: invitations sent in a burst through the server's HTTP invite endpoint
// are delivered to an SMTP server of the bench's own (internal/smtpsink). It measures the
// time from each message's commit (mail_outbox.created_at) to the SMTP server's
// acceptance of its DATA, checks that every message arrives and none twice (by
// Message-ID), and how much the account home slows down while a backlog of the same
// size drains.

const (
	targetMailP95 = time.Second // commit to SMTP acceptance, p95

	// mailPerInviter stays within the per-sender limit of invitation emails an hour;
	// each inviter owns an account of their own, so the per-account limit holds too.
	mailPerInviter = app.InvitesPerSenderPerHour
	mailOrg        = "mailbench"
	mailEmailHost  = "mail.bench.test"
	mailWait       = 2 * time.Minute // bound on waiting for a burst's deliveries
)

// mailBurst is one burst's senders and what they sent.
type mailBurst struct {
	name     string
	inviters []mailInviter
	ids      []string // Message-IDs of the burst's messages, from the outbox
	created  map[string]time.Time
	posts    *recorder
	start    time.Time
	end      time.Time // the last POST answered
}

type mailInviter struct {
	email, slug string
	accountID   int64
	cookie      string
}

// homeWindow is the account home measured over one window.
type homeWindow struct {
	window        time.Duration
	requests      int
	p50, p95, p99 time.Duration
}

func (h homeWindow) rate() float64 {
	if h.window <= 0 {
		return 0
	}
	return float64(h.requests) / h.window.Seconds()
}

// mailResult is what the mail phase measured.
type mailResult struct {
	invitations        int
	inviters           int
	delivery           string        // how the server says it delivers (its "Email delivery:" line)
	created            time.Duration // burst (a): first POST to last answer
	postP50, postP95   time.Duration
	latency            []time.Duration // burst (a): commit to acceptance, sorted
	span               time.Duration   // burst (a): first commit to last acceptance
	delivered, missing int             // both bursts, by Message-ID
	duplicates         int             // copies received beyond the first, both bursts
	others             int             // messages that are not the bursts'
	drain              time.Duration   // burst (b): release of the held backlog to the last acceptance
	homeIdle, homeBusy homeWindow
	homeWorkers        int
	cpuBurst           cpuUsage // burst (a): first POST to last acceptance
	cpuDrain, cpuIdle  cpuUsage // the two account home windows
	unexpected         int
	problems           map[string]int
}

// mailPhase seeds two sets of inviters, starts the sink and a server delivering to it
// (stopping nothing else: the caller has stopped the servers whose workers would take
// the jobs), and runs the two bursts.
func mailPhase(ctx context.Context, bin, databaseURL, dir string, pool *pgxpool.Pool, o options) (res *mailResult, err error) {
	step(fmt.Sprintf("mail: seeding 2 × %d inviters, each owning an account", inviterCount(o.mailInvitations)))
	bursts, err := mailSeed(ctx, pool, o.mailInvitations)
	if err != nil {
		return nil, fmt.Errorf("mail seed: %w", err)
	}
	sink, err := smtpsink.Start("sink.atriumbench.test")
	if err != nil {
		return nil, err
	}
	defer sink.Close()
	env := []string{"SMTP_URL=" + sink.URL()}
	res = &mailResult{invitations: o.mailInvitations, inviters: len(bursts[0].inviters), homeWorkers: o.homeWorkers, problems: map[string]int{}}
	if o.mailWorkers > 0 {
		env = append(env, fmt.Sprintf("ATRIUM_MAIL_WORKERS=%d", o.mailWorkers))
	}
	if o.mailPoll > 0 {
		env = append(env, "ATRIUM_MAIL_POLL="+o.mailPoll.String())
	}
	step("mail: starting a server that delivers to the bench's SMTP server " + sink.Addr)
	srv, err := startServer(ctx, bin, databaseURL, dir, auth.ImplFork, "mail", o.secretKey, env...)
	if err != nil {
		return nil, err
	}
	defer func() {
		if serr := srv.stop(); serr != nil && err == nil {
			err = fmt.Errorf("stop the mail server: %w", serr)
		}
	}()
	res.delivery = srv.logLine("Email delivery: ")
	fmt.Printf("  server pid %d on %s; email delivery: %s\n", srv.pid(), srv.base, res.delivery)
	meter := cpuMeter{serverPID: srv.pid(), pool: pool}

	tr := newTransport(len(bursts[0].inviters) + o.homeWorkers)
	defer tr.CloseIdleConnections()
	step(fmt.Sprintf("mail: signing in %d inviters", 2*len(bursts[0].inviters)))
	if err := signInInviters(ctx, tr, srv.base, bursts); err != nil {
		return nil, err
	}
	homeCookie, err := signInCookie(ctx, tr, srv.base, homeEmail, app.DemoPassword)
	if err != nil {
		return nil, err
	}

	// (a) The burst, nothing else running: commit to acceptance.
	a := bursts[0]
	step(fmt.Sprintf("mail (a): %d invitations at once from %d inviters, delivered over SMTP", o.mailInvitations, len(a.inviters)))
	meter.settle(ctx, o.settle)
	before := meter.take()
	if err := sendBurst(ctx, tr, srv.base, a, o.mailInvitations); err != nil {
		return nil, err
	}
	if err := burstMessages(ctx, pool, a); err != nil {
		return nil, err
	}
	if err := sink.WaitFor(ctx, a.ids, mailWait); err != nil {
		return nil, fmt.Errorf("mail (a): %w", err)
	}
	res.cpuBurst = before.to(meter.take())
	received, _ := byMessageID(sink.Messages())
	var first, last time.Time
	for _, id := range a.ids {
		at := received[id][0]
		res.latency = append(res.latency, at.Sub(a.created[id]))
		if first.IsZero() || a.created[id].Before(first) {
			first = a.created[id]
		}
		if at.After(last) {
			last = at
		}
	}
	slices.Sort(res.latency)
	res.span = last.Sub(first)
	posts := a.posts.result("invitations", "invitations", a.end, rssResult{})
	res.created, res.postP50, res.postP95 = a.end.Sub(a.start), posts.p50, posts.p95
	res.absorb(posts)
	fmt.Printf("  %d invitations sent in %.2fs (%.0f/s; POST p50 %s, p95 %s), all %d delivered\n", posts.ok, res.created.Seconds(),
		float64(posts.ok)/res.created.Seconds(), ms(posts.p50), ms(posts.p95), len(a.ids))
	fmt.Printf("  commit to SMTP acceptance p50 %s  p95 %s  p99 %s  max %s; first commit to last acceptance %.2fs\n",
		ms(percentile(res.latency, 50)), ms(percentile(res.latency, 95)), ms(percentile(res.latency, 99)),
		ms(res.latency[len(res.latency)-1]), res.span.Seconds())
	fmt.Printf("  %s\n", res.cpuBurst)

	// (b) A backlog of the same size builds up while the SMTP server holds its sessions;
	// the account home is loaded while it drains, then with the queue idle.
	b := bursts[1]
	step(fmt.Sprintf("mail (b): %d more invitations held back, then GET /a/%s/ (%d workers) while they drain, and with the queue idle",
		o.mailInvitations, homeAccount, o.homeWorkers))
	meter.settle(ctx, o.settle)
	sink.Hold()
	if err := sendBurst(ctx, tr, srv.base, b, o.mailInvitations); err != nil {
		sink.Release()
		return nil, err
	}
	if held := time.Since(b.start); held > smtpsink.MaxHold*4/5 {
		fmt.Printf("  NOTE: sending the burst took %s; the held sessions may have given up (at %s)\n", held.Round(time.Millisecond), smtpsink.MaxHold)
	}
	if err := burstMessages(ctx, pool, b); err != nil {
		sink.Release()
		return nil, err
	}
	res.absorb(b.posts.result("invitations", "invitations", b.end, rssResult{}))
	home := startHome(ctx, newClient(tr, nil), srv.base, homeCookie, o.homeWorkers)
	sleepCtx(ctx, o.warmup)
	c0 := meter.take()
	t0 := c0.at
	sink.Release()
	werr := sink.WaitFor(ctx, b.ids, mailWait)
	c1 := meter.take()
	t1 := c1.at
	sleepCtx(ctx, o.warmup)
	// The same load with the queue idle, for as long as the drain took (at least 1 s).
	res.drain = t1.Sub(t0)
	c2 := meter.take()
	sleepCtx(ctx, max(res.drain, time.Second))
	c3 := meter.take()
	t2, t3 := c2.at, c3.at
	home.stop()
	res.cpuDrain, res.cpuIdle = c0.to(c1), c2.to(c3)
	if werr != nil {
		return nil, fmt.Errorf("mail (b): %w", werr)
	}
	res.homeBusy, res.homeIdle = home.window(t0, t1), home.window(t2, t3)
	res.unexpected += home.unexpected
	for k, v := range home.problems {
		res.problems[k] += v
	}
	fmt.Printf("  backlog of %d drained in %.2fs (%.0f messages/s)\n", len(b.ids), res.drain.Seconds(), float64(len(b.ids))/res.drain.Seconds())
	fmt.Printf("  account home while draining: %.0f req/s (p50 %s, p95 %s); idle queue: %.0f req/s (p50 %s, p95 %s); %+.1f%%\n",
		res.homeBusy.rate(), ms(res.homeBusy.p50), ms(res.homeBusy.p95), res.homeIdle.rate(), ms(res.homeIdle.p50), ms(res.homeIdle.p95),
		res.homeChange())
	fmt.Printf("  while draining: %s\n  idle queue: %s\n", res.cpuDrain, res.cpuIdle)

	// Every message once: wait until the server has recorded every delivery (nothing is
	// left to send), then count what arrived by Message-ID.
	if err := waitMailSettled(ctx, pool, mailWait); err != nil {
		return nil, err
	}
	received, noID := byMessageID(sink.Messages())
	want := map[string]bool{}
	for _, burst := range bursts {
		for _, id := range burst.ids {
			want[id] = true
		}
	}
	for id, copies := range received {
		if !want[id] {
			res.others += len(copies)
			continue
		}
		res.delivered++
		res.duplicates += len(copies) - 1
	}
	res.others += noID
	res.missing = len(want) - res.delivered
	fmt.Printf("  %d of %d messages received, %d twice or more (by Message-ID), %d other messages\n",
		res.delivered, len(want), res.duplicates, res.others)
	if err := srv.alive(); err != nil {
		return nil, err
	}
	return res, ctx.Err()
}

func (r *mailResult) absorb(l loadResult) {
	r.unexpected += l.unexpected
	for k, v := range l.problems {
		r.problems[k] += v
	}
}

// homeChange is how much the account home's rate moves while the queue drains, in
// percent of the idle rate.
func (r *mailResult) homeChange() float64 {
	if r.homeIdle.rate() == 0 {
		return 0
	}
	return 100 * (r.homeBusy.rate()/r.homeIdle.rate() - 1)
}

func inviterCount(n int) int { return (n + mailPerInviter - 1) / mailPerInviter }

// mailSeed creates two bursts' inviters: each a user with the bench password who owns
// an account of their own (in one organisation), with room for every invitation.
func mailSeed(ctx context.Context, pool *pgxpool.Pool, invitations int) ([2]*mailBurst, error) {
	var out [2]*mailBurst
	hash, err := auth.NewHasher(auth.DefaultParams, 1).Hash(ctx, benchPassword)
	if err != nil {
		return out, err
	}
	st := store.New(pool)
	tx, err := st.Begin(ctx)
	if err != nil {
		return out, err
	}
	defer tx.Rollback(ctx)
	org, err := tx.CreateOrganisation(ctx, mailOrg, "Mail Bench")
	if err != nil {
		return out, err
	}
	for b := range out {
		burst := &mailBurst{name: string(rune('a' + b)), posts: newRecorder(0)}
		for i := range inviterCount(invitations) {
			email := fmt.Sprintf("inviter-%s%03d@%s", burst.name, i, mailEmailHost)
			u, err := tx.CreateUser(ctx, email, fmt.Sprintf("Inviter %s%03d", burst.name, i), hash, false)
			if err != nil {
				return out, err
			}
			slug := fmt.Sprintf("mail-%s%03d", burst.name, i)
			acc, err := tx.CreateAccount(ctx, store.NewAccount{OrganisationID: org.ID, Slug: slug, Name: "Mail " + slug,
				Plan: "team", SeatLimit: mailPerInviter + 10, OwnerUserID: u.ID})
			if err != nil {
				return out, err
			}
			if err := tx.SetFavourite(ctx, u.ID, acc.ID); err != nil {
				return out, err
			}
			burst.inviters = append(burst.inviters, mailInviter{email: email, slug: slug, accountID: acc.ID})
		}
		out[b] = burst
	}
	return out, tx.Commit(ctx)
}

// signInInviters signs every inviter in, a few at a time (each sign-in is a real hash).
func signInInviters(ctx context.Context, tr http.RoundTripper, base string, bursts [2]*mailBurst) error {
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	sem := make(chan struct{}, 4)
	for _, b := range bursts {
		for i := range b.inviters {
			inv := &b.inviters[i]
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				c, err := signInCookie(ctx, tr, base, inv.email, benchPassword)
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
				inv.cookie = c
			})
		}
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// sendBurst has every inviter of b send their invitations through POST
// /a/{account}/invitations, all inviters at once, each one after another. Only a 303 to
// the members list is a success.
func sendBurst(ctx context.Context, tr http.RoundTripper, base string, b *mailBurst, total int) error {
	c := newClient(tr, nil)
	b.start = time.Now()
	b.posts.start = b.start
	var wg sync.WaitGroup
	for i, inv := range b.inviters {
		wg.Go(func() {
			members := "/a/" + inv.slug + "/members"
			for j := range mailPerInviter {
				n := i*mailPerInviter + j
				if n >= total || ctx.Err() != nil {
					return
				}
				form := url.Values{"first_name": {"Guest"}, "last_name": {fmt.Sprintf("%s%04d", b.name, n)},
					"email": {fmt.Sprintf("guest-%s%04d@%s", b.name, n, mailEmailHost)}, "role": {fmt.Sprint(domain.ViewerRoleID)}}
				t0 := time.Now()
				a, err := postCookie(ctx, c, base, "/a/"+inv.slug+"/invitations", inv.cookie, form)
				done := time.Now()
				switch {
				case err != nil:
					failed(ctx, b.posts, "POST invitation", err)
				case a.status != http.StatusSeeOther || a.location != members:
					b.posts.problem(a.describe("POST /a/{account}/invitations"))
				default:
					b.posts.success(done.Sub(t0), done)
				}
			}
		})
	}
	wg.Wait()
	b.end = time.Now()
	return ctx.Err()
}

// burstMessages reads the burst's messages from the outbox: their Message-IDs and
// when they were committed.
func burstMessages(ctx context.Context, pool *pgxpool.Pool, b *mailBurst) error {
	ids := make([]int64, len(b.inviters))
	for i, inv := range b.inviters {
		ids[i] = inv.accountID
	}
	rows, err := pool.Query(ctx, `SELECT message_id, created_at FROM mail_outbox WHERE kind = 'invitation' AND account_id = ANY($1)`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	b.created = map[string]time.Time{}
	for rows.Next() {
		var id string
		var at time.Time
		if err := rows.Scan(&id, &at); err != nil {
			return err
		}
		b.ids = append(b.ids, id)
		b.created[id] = at
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(b.ids) == 0 {
		return fmt.Errorf("mail (%s): no invitation was sent", b.name)
	}
	if b.posts.ok != len(b.ids) {
		return fmt.Errorf("mail (%s): %d invitations sent but %d in the outbox", b.name, b.posts.ok, len(b.ids))
	}
	return nil
}

// waitMailSettled waits until no message is queued and no delivery job is left.
func waitMailSettled(ctx context.Context, pool *pgxpool.Pool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var pending int
		if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM mail_outbox WHERE status = 'queued') +
			(SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded'))`).Scan(&pending); err != nil {
			return err
		}
		if pending == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mail: %d messages or jobs still pending after %s", pending, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// postCookie posts a form as a same-origin browser with that Cookie header.
func postCookie(ctx context.Context, c *http.Client, base, path, cookie string, form url.Values) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Cookie", cookie)
	return do(c, req, false)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// homeLoadRun is the account home loaded by keep-alive workers until stopped, each
// answer noted with the time it completed, so windows can be cut out afterwards.
type homeLoadRun struct {
	cancel     context.CancelFunc
	wg         sync.WaitGroup
	mu         sync.Mutex
	done       []time.Time
	latency    []time.Duration
	unexpected int
	problems   map[string]int
}

func startHome(ctx context.Context, c *http.Client, base, cookie string, workers int) *homeLoadRun {
	runCtx, cancel := context.WithCancel(ctx)
	h := &homeLoadRun{cancel: cancel, problems: map[string]int{}}
	path := "/a/" + homeAccount + "/"
	for range workers {
		h.wg.Go(func() {
			for runCtx.Err() == nil {
				t0 := time.Now()
				a, err := get(runCtx, c, base, path, cookie, false)
				done := time.Now()
				h.mu.Lock()
				switch {
				case err != nil && runCtx.Err() != nil:
				case err != nil:
					h.unexpected++
					h.problems["GET "+path+": "+err.Error()]++
				case a.status != http.StatusOK:
					h.unexpected++
					h.problems[a.describe("GET "+path)]++
				default:
					h.done = append(h.done, done)
					h.latency = append(h.latency, done.Sub(t0))
				}
				h.mu.Unlock()
			}
		})
	}
	return h
}

func (h *homeLoadRun) stop() {
	h.cancel()
	h.wg.Wait()
}

// window is the requests that completed between from and to.
func (h *homeLoadRun) window(from, to time.Time) homeWindow {
	h.mu.Lock()
	defer h.mu.Unlock()
	var lat []time.Duration
	for i, at := range h.done {
		if !at.Before(from) && at.Before(to) {
			lat = append(lat, h.latency[i])
		}
	}
	slices.Sort(lat)
	return homeWindow{window: to.Sub(from), requests: len(lat), p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99)}
}

// rows adds the mail phase to the report.
func (r *mailResult) rows(row func(...string)) {
	p95 := percentile(r.latency, 95)
	row(fmt.Sprintf("(d) %d invitations in a burst, %d inviters", r.invitations, r.inviters),
		fmt.Sprintf("%.0f invitations/s (%.2fs; POST p50 %s, p95 %s)", float64(r.invitations)/r.created.Seconds(), r.created.Seconds(),
			ms(r.postP50), ms(r.postP95)), "", "")
	row("    server's email delivery", r.delivery, "", "")
	row("    commit to SMTP acceptance p50 / p95 / p99", fmt.Sprintf("%s / %s / %s (max %s)", ms(percentile(r.latency, 50)), ms(p95),
		ms(percentile(r.latency, 99)), ms(r.latency[len(r.latency)-1])), fmt.Sprintf("p95 < %s", targetMailP95), verdict(p95 < targetMailP95))
	row("    first commit to last acceptance", fmt.Sprintf("%.2fs", r.span.Seconds()), "", "")
	row("    CPU cores: server / PostgreSQL / bench / other", cpuCores(r.cpuBurst), "", "")
	row("    delivered / missing / twice (by Message-ID, both bursts)", fmt.Sprintf("%d / %d / %d", r.delivered, r.missing, r.duplicates),
		"all, once", okIf(r.missing == 0 && r.duplicates == 0))
	row(fmt.Sprintf("    backlog of %d drained", r.invitations), fmt.Sprintf("%.2fs (%.0f messages/s)", r.drain.Seconds(),
		float64(r.invitations)/r.drain.Seconds()), "", "")
	row(fmt.Sprintf("    GET /a/%s/ while draining / idle queue (%d workers)", homeAccount, r.homeWorkers),
		fmt.Sprintf("%.0f / %.0f req/s (%+.1f%%)", r.homeBusy.rate(), r.homeIdle.rate(), r.homeChange()), "", "")
	row("        p95 while draining / idle queue", fmt.Sprintf("%s / %s", ms(r.homeBusy.p95), ms(r.homeIdle.p95)), "", "")
	row("        CPU cores while draining", cpuCores(r.cpuDrain), "", "")
	row("        CPU cores, idle queue", cpuCores(r.cpuIdle), "", "")
	row("    unexpected answers", fmt.Sprint(r.unexpected), "0 unexpected", okIfZero(r.unexpected))
}

func okIf(ok bool) string {
	if ok {
		return "ok"
	}
	return "ERROR"
}

func cpuCores(u cpuUsage) string {
	return fmt.Sprintf("%.2f / %.2f / %.2f / %.2f", u.server, u.db, u.bench, u.others)
}

// byMessageID groups messages by Message-ID (when each copy was received) and counts
// those without one.
func byMessageID(msgs []smtpsink.Message) (map[string][]time.Time, int) {
	out := map[string][]time.Time{}
	noID := 0
	for _, m := range msgs {
		if m.ID == "" {
			noID++
			continue
		}
		out[m.ID] = append(out[m.ID], m.At)
	}
	return out, noID
}
