package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/app"
	"atrium/internal/store"
)

// The "agency at scale" phase: the demo agency user becomes a member of about 2,000
// accounts in 22 organisations (bulk-loaded); then the switcher's list, its search,
// /accounts and /profile (first page, a later page, a search) are loaded over
// keep-alive HTTP as that user, next to their account home measured in the same phase
// (before and after the lists, pooled), and the SQL behind the lists is explained.

const (
	targetAgencyP95   = 15 * time.Millisecond // p95 of every list page
	targetAgencyShare = 0.25                  // requests/s of each list page, as a share of the account home's

	agencySearch = "outlet" // one account in ten of every client organisation
	agencyPage   = 40       // the later page of /profile loaded (of about 80)
)

// agencyCases are the pages the phase loads; home is the account home, the yardstick.
func agencyCases(after string) (home peopleCase, lists []peopleCase) {
	q := url.QueryEscape(agencySearch)
	home = peopleCase{"home", "account home", "/a/" + agencyHome + "/", agencyHomeName, false}
	lists = []peopleCase{
		{"f", "switcher list", "/accounts?fragment=1", "Favourite and recent", true},
		{"g", "switcher search", "/accounts?fragment=1&q=" + q, "Outlet", true},
		{"h", "/accounts, first page", "/accounts", "Next page", true},
		{"i", "/profile, first page", "/profile", "Favourite and recent", true},
		{"j", fmt.Sprintf("/profile, page %d", agencyPage), "/profile?after=" + after, "First page", true},
		{"k", "/profile, search", "/profile?q=" + q, "Outlet", true},
	}
	return home, lists
}

// agencyPlanCases are the store calls behind the lists, with the same parameters, and
// the landing query of a sign-in whose favourite is gone.
func agencyPlanCases(s agencySeeded, after int64) []planCase {
	page := func(q string, after int64) func(context.Context, *store.Store) error {
		return func(ctx context.Context, st *store.Store) error {
			_, err := st.EntryPage(ctx, s.userID, s.favouriteID, q, after)
			return err
		}
	}
	return []planCase{
		{"(f,h,i) first page", page("", 0)},
		{"(g,k) search", page(agencySearch, 0)},
		{fmt.Sprintf("(j) page %d", agencyPage), page("", after)},
		{"landing, favourite gone", func(ctx context.Context, st *store.Store) error {
			_, err := st.LandingEntries(ctx, s.userID, 0)
			return err
		}},
	}
}

// agencyResult is the whole phase.
type agencyResult struct {
	seed     agencySeeded
	workers  int
	home     [2]loadResult // before and after the lists
	homeRate float64       // the two pooled
	loads    []peopleLoad
	plans    []planReport
}

func (p *agencyResult) unexpected() int {
	n := p.home[0].unexpected + p.home[1].unexpected
	for _, l := range p.loads {
		n += l.res.unexpected
	}
	return n
}

// agencyPhase seeds, loads and explains, printing as it goes.
func agencyPhase(ctx context.Context, srv *serverProc, pool *pgxpool.Pool, benchURL string, m cpuMeter, o options) (*agencyResult, error) {
	step(fmt.Sprintf("agency at scale: seeding 20 client organisations of %d accounts for %s", o.agencyPerOrg, agencyEmail))
	s, err := agencySeed(ctx, pool, o.agencyPerOrg)
	if err != nil {
		return nil, fmt.Errorf("agency seed: %w", err)
	}
	fmt.Printf("  loaded in %s, VACUUM (ANALYZE) in %s: %s can enter %d accounts in %d organisations (%d memberships, %d as an organisation owner); tables: %d accounts, %d memberships\n",
		s.load.Round(time.Millisecond), s.vacuum.Round(time.Millisecond), agencyEmail, s.accounts, s.organisations,
		s.memberships, s.viaOrganisation, s.tableAccounts, s.tableMemberships)
	res := &agencyResult{seed: s, workers: o.agencyWorkers}

	// The page the later-page case starts after, as the profile's links give it.
	st := store.New(pool)
	var after int64
	for range agencyPage - 1 {
		p, err := st.EntryPage(ctx, s.userID, s.favouriteID, "", after)
		if err != nil {
			return res, err
		}
		if !p.More {
			return res, fmt.Errorf("the agency user's accounts end before page %d", agencyPage)
		}
		after = p.After
	}

	tr := newTransport(o.agencyWorkers)
	defer tr.CloseIdleConnections()
	cookie, err := signInCookie(ctx, tr, srv.base, agencyEmail, app.DemoPassword)
	if err != nil {
		return res, err
	}
	c := newClient(tr, nil)
	home, lists := agencyCases(fmt.Sprint(after))
	run := func(pc peopleCase) (loadResult, error) {
		step(fmt.Sprintf("agency (%s): GET %s as %s, %d workers, %s", pc.key, pc.path, agencyEmail, o.agencyWorkers, o.agencyDuration))
		m.settle(ctx, o.settle)
		r, err := pageLoad(ctx, srv, c, m, pc, agencyEmail, cookie, o.agencyWorkers, o.agencyDuration, o.warmup)
		if err != nil {
			return r, err
		}
		r.print()
		return r, srv.alive()
	}
	if res.home[0], err = run(home); err != nil {
		return res, err
	}
	for _, pc := range lists {
		r, err := run(pc)
		if err != nil {
			return res, err
		}
		res.loads = append(res.loads, peopleLoad{pc, r})
	}
	if res.home[1], err = run(home); err != nil {
		return res, err
	}
	if w := res.home[0].window + res.home[1].window; w > 0 {
		res.homeRate = float64(res.home[0].measured+res.home[1].measured) / w.Seconds()
	}
	for _, l := range res.loads {
		fmt.Printf("  (%s) %-24s %7.0f req/s = %.2f of the account home's %.0f req/s; p50 %s p95 %s p99 %s\n", l.key, l.label,
			l.res.rate(), l.res.rate()/res.homeRate, res.homeRate, ms(l.res.p50), ms(l.res.p95), ms(l.res.p99))
	}

	step("agency: EXPLAIN (ANALYZE, BUFFERS) of the store's SQL, same parameters")
	if res.plans, err = explainPeople(ctx, benchURL, pool, agencyPlanCases(s, after)); err != nil {
		return res, err
	}
	for _, p := range res.plans {
		p.print(o.peoplePlans)
	}
	return res, nil
}

// rows adds the phase to the final table.
func (p *agencyResult) rows(row func(cols ...string)) {
	row(fmt.Sprintf("agency at scale: %d accounts in %d organisations, %d workers", p.seed.accounts, p.seed.organisations, p.workers), "", "", "")
	row(fmt.Sprintf("  account home GET /a/%s/ (before / after)", agencyHome), fmt.Sprintf("%.0f req/s (%.0f / %.0f)",
		p.homeRate, p.home[0].rate(), p.home[1].rate()), "", "")
	row("      p50 / p95 / p99", fmt.Sprintf("%s / %s / %s", ms(p.home[0].p50), ms(p.home[0].p95), ms(p.home[0].p99)), "", "")
	for _, l := range p.loads {
		share := 0.0
		if p.homeRate > 0 {
			share = l.res.rate() / p.homeRate
		}
		row(fmt.Sprintf("  (%s) GET %s", l.key, l.path), fmt.Sprintf("%.0f req/s (%.2f of home)", l.res.rate(), share),
			fmt.Sprintf(">= %.2f of home", targetAgencyShare), verdict(share >= targetAgencyShare))
		row("      p50 / p95 / p99", fmt.Sprintf("%s / %s / %s", ms(l.res.p50), ms(l.res.p95), ms(l.res.p99)),
			fmt.Sprintf("p95 < %s", ms(targetAgencyP95)), verdict(l.res.measured > 0 && l.res.p95 < targetAgencyP95))
	}
	ok := p.home[0].ok + p.home[1].ok
	for _, l := range p.loads {
		ok += l.res.ok
	}
	row("  200 answers / unexpected answers", fmt.Sprintf("%d / %d", ok, p.unexpected()), "0 unexpected", okIfZero(p.unexpected()))
	planRows(row, p.plans, p.seqScans())
}

// seqScans lists the large tables any plan reads sequentially, sorted.
func (p *agencyResult) seqScans() []string {
	var seq []string
	for _, pl := range p.plans {
		seq = append(seq, pl.seqScans()...)
	}
	slices.Sort(seq)
	return seq
}

// runs names the phase's load runs for the contention notes.
func (p *agencyResult) runs() []namedUsage {
	out := []namedUsage{{"agency home (before) run", p.home[0].cpu}, {"agency home (after) run", p.home[1].cpu}}
	for _, l := range p.loads {
		out = append(out, namedUsage{"agency (" + l.key + ") run", l.res.cpu})
	}
	return out
}
