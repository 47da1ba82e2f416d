package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// class is how a response is judged.
type class int

const (
	classOK          class = iota // the answer the step expects
	classUnavailable              // 503 with Retry-After: the database is down
	class503Bare                  // 503 without Retry-After
	classServerError              // any other 5xx
	classSignedOut                // sent back to sign in: the session was lost
	classUnexpected               // any other answer
	classTransport                // no answer at all
)

var classNames = [...]string{"ok", "503 with Retry-After", "503 without Retry-After", "other 5xx", "signed out",
	"unexpected answer", "transport error"}

func (c class) String() string { return classNames[c] }

// sample is one request of the load.
type sample struct {
	op    string
	start time.Time
	lat   time.Duration
	class class
}

// recorder collects the samples of one load run and a few examples of each problem.
type recorder struct {
	mu       sync.Mutex
	samples  []sample
	problems map[string]int
}

func newRecorder() *recorder { return &recorder{problems: map[string]int{}} }

func (r *recorder) add(s sample, problem string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.samples = append(r.samples, s)
	if problem != "" {
		r.problems[problem]++
	}
}

// loadOptions shape the mixed load.
type loadOptions struct {
	// run tags the names of the run's writes: runs over one database (make multi runs
	// three) must each have their own, so that no two writes share a name.
	run        string
	duration   time.Duration
	writeEvery int           // one operation in writeEvery is a write
	think      time.Duration // pause after each operation (0: none)
	pause503   time.Duration // pause after a 503, as a person would before retrying
}

// writeAttempt is one write the load sent, and whether it was acknowledged (2xx/3xx
// with the expected redirect).
type writeAttempt struct {
	kind    string // "campaign", "list", "rename"
	account string
	name    string
	id      int64 // the campaign or list (from the redirect; the renamed campaign)
	acked   bool
}

// userLoad is the state of one user's loop.
type userLoad struct {
	u         soakUser
	run       string // loadOptions.run
	b         *browser
	cur       string // the account the user is in
	n         int
	rnd       *rand.Rand
	writes    []writeAttempt
	campaigns []writeAttempt // acknowledged campaign creations: what renames pick from
}

// runLoad runs every user's loop against targets (user i uses targets[i%len]) for
// o.duration and returns the samples and each user's writes.
func runLoad(ctx context.Context, users []soakUser, browsers []*browser, targets []string, o loadOptions) (*recorder, [][]writeAttempt) {
	runCtx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	rec := newRecorder()
	loads := make([]*userLoad, len(users))
	var wg sync.WaitGroup
	for i, u := range users {
		l := &userLoad{u: u, run: o.run, b: browsers[i], cur: u.home, rnd: rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))}
		loads[i] = l
		base := targets[i%len(targets)]
		wg.Go(func() {
			for runCtx.Err() == nil {
				c := l.step(runCtx, base, o, rec)
				pause := o.think
				if c == classUnavailable || c == class503Bare {
					pause = max(pause, o.pause503)
				}
				if pause > 0 {
					select {
					case <-runCtx.Done():
					case <-time.After(pause):
					}
				}
			}
		})
	}
	wg.Wait()
	writes := make([][]writeAttempt, len(loads))
	for i, l := range loads {
		writes[i] = l.writes
	}
	return rec, writes
}

// readOps are the pages a user reads, chosen evenly.
var readOps = []string{"landing", "switch", "home", "members", "campaigns", "lists", "activity"}

// step does one operation and returns how its (last) request was judged.
func (l *userLoad) step(ctx context.Context, base string, o loadOptions, rec *recorder) class {
	l.n++
	if o.writeEvery > 0 && l.rnd.IntN(o.writeEvery) == 0 {
		return l.write(ctx, base, rec)
	}
	acct := "/a/" + l.cur
	switch op := readOps[l.rnd.IntN(len(readOps))]; op {
	case "landing":
		return l.get(ctx, rec, base, op, "/", http.StatusSeeOther, "/a/"+l.u.home+"/")
	case "switch":
		// The switcher's list, then the other account.
		if c := l.get(ctx, rec, base, "switcher", "/accounts?fragment=1", http.StatusOK, ""); c != classOK {
			return c
		}
		if l.cur == l.u.home {
			l.cur = l.u.other
		} else {
			l.cur = l.u.home
		}
		return l.get(ctx, rec, base, "switch", "/a/"+l.cur+"/", http.StatusOK, "")
	case "home":
		return l.get(ctx, rec, base, op, acct+"/", http.StatusOK, "")
	default:
		return l.get(ctx, rec, base, op, acct+"/"+op, http.StatusOK, "")
	}
}

func (l *userLoad) get(ctx context.Context, rec *recorder, base, op, path string, want int, wantLoc string) class {
	c, _ := l.request(ctx, rec, base, op, http.MethodGet, path, nil, want, wantLoc)
	return c
}

// request sends one request, judges and records it, and returns the class and the
// redirect's Location. A request cut short by the end of the run is not recorded.
func (l *userLoad) request(ctx context.Context, rec *recorder, base, op, method, path string, form url.Values, want int, wantLoc string) (class, string) {
	start := time.Now()
	a, err := l.b.do(ctx, method, base, path, form)
	lat := time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return classTransport, "" // the run ended
		}
		rec.add(sample{op: op, start: start, lat: lat, class: classTransport}, op+": "+err.Error())
		return classTransport, ""
	}
	c := judge(a, want, wantLoc)
	problem := ""
	if c != classOK && c != classUnavailable {
		problem = fmt.Sprintf("%s %s: %d", method, op, a.status)
		if a.location != "" {
			problem += " -> " + a.location
		}
	}
	rec.add(sample{op: op, start: start, lat: lat, class: c}, problem)
	return c, a.location
}

// judge classifies an answer against the one expected.
func judge(a answer, want int, wantLoc string) class {
	switch {
	case a.status == want && (wantLoc == "" || strings.HasPrefix(a.location, wantLoc)):
		return classOK
	case a.status == http.StatusServiceUnavailable && a.retryAfter != "":
		return classUnavailable
	case a.status == http.StatusServiceUnavailable:
		return class503Bare
	case a.status >= 500:
		return classServerError
	case a.status == http.StatusSeeOther && strings.HasPrefix(a.location, "/login"):
		return classSignedOut
	default:
		return classUnexpected
	}
}

// write creates a campaign (4 in 10), creates a list (3 in 10) or renames one of the
// user's own campaigns (3 in 10, once it has one), each under a name used once (see
// writeName).
func (l *userLoad) write(ctx context.Context, base string, rec *recorder) class {
	r := l.rnd.IntN(10)
	switch {
	case r >= 7 && len(l.campaigns) > 0:
		c := l.campaigns[l.rnd.IntN(len(l.campaigns))]
		w := writeAttempt{kind: "rename", account: c.account, id: c.id, name: l.writeName("r")}
		path := fmt.Sprintf("/a/%s/campaigns/%d", c.account, c.id)
		class, _ := l.request(ctx, rec, base, "rename campaign", http.MethodPost, path, url.Values{"name": {w.name}},
			http.StatusSeeOther, path)
		return l.record(w, class)
	case r >= 4 && r < 7:
		w := writeAttempt{kind: "list", account: l.cur, name: l.writeName("l")}
		prefix := "/a/" + l.cur + "/lists/"
		class, loc := l.request(ctx, rec, base, "create list", http.MethodPost, "/a/"+l.cur+"/lists", url.Values{"name": {w.name}},
			http.StatusSeeOther, prefix)
		w.id = idAfter(loc, prefix)
		return l.record(w, class)
	default:
		w := writeAttempt{kind: "campaign", account: l.cur, name: l.writeName("c")}
		prefix := "/a/" + l.cur + "/campaigns/"
		class, loc := l.request(ctx, rec, base, "create campaign", http.MethodPost, "/a/"+l.cur+"/campaigns", url.Values{"name": {w.name}},
			http.StatusSeeOther, prefix)
		w.id = idAfter(loc, prefix)
		c := l.record(w, class)
		if last := l.writes[len(l.writes)-1]; last.acked && last.id > 0 {
			l.campaigns = append(l.campaigns, last)
		}
		return c
	}
}

// writeName is the name of the user's current write of kind ("c" campaign, "l" list,
// "r" rename): unique to the run, the user and the operation, so that the check of the
// writes tells each one apart from all others, of this run and of the other runs.
func (l *userLoad) writeName(kind string) string {
	return fmt.Sprintf("soak-%s-%s-%d-%d", kind, l.run, l.u.n, l.n)
}

// record keeps a write attempt; one cut short by the end of the run counts as not
// acknowledged (it may or may not have committed).
func (l *userLoad) record(w writeAttempt, c class) class {
	w.acked = c == classOK
	l.writes = append(l.writes, w)
	return c
}

// idAfter reads the id at the end of a redirect to prefix+id (0 if none).
func idAfter(loc, prefix string) int64 {
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, prefix), 10, 64)
	if err != nil || !strings.HasPrefix(loc, prefix) {
		return 0
	}
	return id
}
