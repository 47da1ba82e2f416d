package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/app"
	"atrium/internal/store"
)

// The "people at scale" phase: an organisation of 100,000 users and an account of
// 10,000 members, bulk-loaded into the bench database; then the members list and the
// organisation's Users page (first pages, searches, a deep page) are loaded over
// keep-alive HTTP as the organisation's owner, and the SQL behind them is explained.

const (
	targetPeopleP95 = 50 * time.Millisecond // p95 of pages (a)–(d)

	peopleMembersQuery = "person0424"  // matches bulk users 04240–04249; members among them: 04242
	peopleOrgQuery     = "person04242" // one bulk user
	peopleDeepPage     = 200
)

// peopleCase is one page the phase loads.
type peopleCase struct {
	key    string // a … e
	label  string
	path   string
	want   string // text the first answer must show
	target bool   // whether the p95 target applies
}

func peopleCases() []peopleCase {
	return []peopleCase{
		{"a", "members, first page", "/a/" + peopleAccount + "/members", peopleOwnerName, true},
		{"b", "members, search", "/a/" + peopleAccount + "/members?q=" + url.QueryEscape(peopleMembersQuery),
			"person04242@" + peopleEmailHost, true},
		{"c", "organisation users, first page", "/org/" + peopleOrg + "/users", "agency@pixel.test", true},
		{"d", "organisation users, search", "/org/" + peopleOrg + "/users?q=" + url.QueryEscape(peopleOrgQuery),
			"person04242@" + peopleEmailHost, true},
		{"e", fmt.Sprintf("organisation users, page %d", peopleDeepPage),
			fmt.Sprintf("/org/%s/users?page=%d", peopleOrg, peopleDeepPage), "@" + peopleEmailHost, false},
	}
}

// peoplePlanCases are the store calls behind the pages, with the same parameters.
func peoplePlanCases(s peopleSeeded) []planCase {
	members := func(q string, page int) func(context.Context, *store.Store) error {
		return func(ctx context.Context, st *store.Store) error {
			_, err := st.Members(ctx, s.accountID, q, page)
			return err
		}
	}
	orgUsers := func(q string, page int) func(context.Context, *store.Store) error {
		return func(ctx context.Context, st *store.Store) error {
			_, err := st.OrgUsers(ctx, s.orgID, q, page)
			return err
		}
	}
	return []planCase{
		{"(a) members, first page", members("", 1)},
		{"(b) members, search", members(peopleMembersQuery, 1)},
		{"(c) organisation users, first page", orgUsers("", 1)},
		{"(d) organisation users, search", orgUsers(peopleOrgQuery, 1)},
		{fmt.Sprintf("(e) organisation users, page %d", peopleDeepPage), orgUsers("", peopleDeepPage)},
	}
}

type peopleLoad struct {
	peopleCase
	res loadResult
}

// peopleResult is the whole phase.
type peopleResult struct {
	seed    peopleSeeded
	workers int
	loads   []peopleLoad
	plans   []planReport
}

func (p *peopleResult) unexpected() int {
	n := 0
	for _, l := range p.loads {
		n += l.res.unexpected
	}
	return n
}

// seqScans lists "table (case)" for every sequential scan of a large table.
func (p *peopleResult) seqScans() []string {
	var out []string
	for _, pl := range p.plans {
		for _, t := range pl.seqScans() {
			out = append(out, fmt.Sprintf("%s %s", t, strings.Fields(pl.label)[0]))
		}
	}
	return out
}

// peoplePhase seeds, loads and explains. It prints as it goes; the result feeds the
// final table.
func peoplePhase(ctx context.Context, srv *serverProc, pool *pgxpool.Pool, benchURL string, m cpuMeter, o options) (*peopleResult, error) {
	step(fmt.Sprintf("people at scale: seeding %d organisation users, %d account members", o.peopleUsers, o.peopleMembers))
	s, err := peopleSeed(ctx, pool, o.peopleUsers, o.peopleMembers)
	if err != nil {
		return nil, fmt.Errorf("people seed: %w", err)
	}
	fmt.Printf("  loaded in %s, VACUUM (ANALYZE) in %s: %s lists %d users; %s has %d active members (member_count %d) and %d deactivated\n",
		s.load.Round(time.Millisecond), s.vacuum.Round(time.Millisecond), peopleOrg, s.orgUsers,
		peopleAccount, s.active, s.memberCount, s.deactivated)
	res := &peopleResult{seed: s, workers: o.peopleWorkers}

	tr := newTransport(o.peopleWorkers)
	defer tr.CloseIdleConnections()
	cookie, err := signInCookie(ctx, tr, srv.base, peopleOwner, app.DemoPassword)
	if err != nil {
		return res, err
	}
	c := newClient(tr, nil)
	for _, pc := range peopleCases() {
		step(fmt.Sprintf("people (%s): GET %s as %s, %d workers, %s", pc.key, pc.path, peopleOwner, o.peopleWorkers, o.peopleDuration))
		m.settle(ctx, o.settle)
		r, err := pageLoad(ctx, srv, c, m, pc, peopleOwner, cookie, o.peopleWorkers, o.peopleDuration, o.warmup)
		if err != nil {
			return res, err
		}
		r.print()
		res.loads = append(res.loads, peopleLoad{pc, r})
		if err := srv.alive(); err != nil {
			return res, err
		}
	}

	step("people: EXPLAIN (ANALYZE, BUFFERS) of the store's SQL, same parameters")
	if res.plans, err = explainPeople(ctx, benchURL, pool, peoplePlanCases(s)); err != nil {
		return res, err
	}
	for _, p := range res.plans {
		p.print(o.peoplePlans)
	}
	return res, nil
}

// pageLoad checks one answer of path (200 showing want) as the user signed in with
// cookie (whose email is as), then runs workers keep-alive workers fetching it for d.
// Every answer must be 200.
func pageLoad(ctx context.Context, srv *serverProc, c *http.Client, m cpuMeter, pc peopleCase, as, cookie string,
	workers int, d, warmup time.Duration) (loadResult, error) {
	first, err := get(ctx, c, srv.base, pc.path, cookie, true)
	if err != nil {
		return loadResult{}, fmt.Errorf("GET %s: %w", pc.path, err)
	}
	if first.status != http.StatusOK || !strings.Contains(first.body, pc.want) {
		return loadResult{}, fmt.Errorf("GET %s as %s: %s (want 200 showing %q)", pc.path, as, first.describe("answer"), pc.want)
	}
	runCtx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	sampler := startRSSSampler(srv.pid())
	cpu := m.window(warmup)
	rec := newRecorder(warmup)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for runCtx.Err() == nil {
				t0 := time.Now()
				a, err := get(runCtx, c, srv.base, pc.path, cookie, false)
				done := time.Now()
				switch {
				case err != nil:
					failed(runCtx, rec, "GET "+pc.path, err)
				case a.status != http.StatusOK:
					rec.problem(a.describe("GET " + pc.path))
				default:
					rec.success(done.Sub(t0), done)
				}
			}
		})
	}
	wg.Wait()
	res := rec.result(pc.label, "requests", time.Now(), sampler.stop())
	res.cpu = cpu.stop()
	return res, ctx.Err()
}

// rows adds the phase to the final table.
func (p *peopleResult) rows(row func(cols ...string)) {
	row(fmt.Sprintf("people at scale: %d org users, %d active members, %d workers", p.seed.orgUsers, p.seed.active, p.workers), "", "", "")
	for _, l := range p.loads {
		row(fmt.Sprintf("  (%s) GET %s", l.key, l.path), fmt.Sprintf("%.0f req/s", l.res.rate()), "", "")
		target, result := "", ""
		if l.target {
			target, result = fmt.Sprintf("p95 < %s", ms(targetPeopleP95)), verdict(l.res.measured > 0 && l.res.p95 < targetPeopleP95)
		}
		row("      p50 / p95 / p99", fmt.Sprintf("%s / %s / %s", ms(l.res.p50), ms(l.res.p95), ms(l.res.p99)), target, result)
	}
	ok := 0
	for _, l := range p.loads {
		ok += l.res.ok
	}
	row("  200 answers / unexpected answers", fmt.Sprintf("%d / %d", ok, p.unexpected()), "0 unexpected", okIfZero(p.unexpected()))
	planRows(row, p.plans, p.seqScans())
}
