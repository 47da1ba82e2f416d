package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
	"atrium/internal/store"
)

// enteredAt is when u last entered a, as recorded (zero when never).
func (e *env) enteredAt(u domain.User, a domain.Account) time.Time {
	e.t.Helper()
	var at time.Time
	err := e.Store.Pool.QueryRow(context.Background(), `SELECT coalesce(max(entered_at), 'epoch') FROM account_entries
		WHERE user_id = $1 AND account_id = $2`, u.ID, a.ID).Scan(&at)
	if err != nil {
		e.t.Fatal(err)
	}
	if at.Unix() == 0 {
		return time.Time{}
	}
	return at
}

func TestEntry_RecordedOncePerSessionPerAccount(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	c.get("/") // the landing redirect
	visit := func(c *client, path string) (entries, sessions int64) {
		t.Helper()
		e0, s0 := e.writes.entries.Load(), e.writes.sessions.Load()
		if res, _ := c.get(path); res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		return e.writes.entries.Load() - e0, e.writes.sessions.Load() - s0
	}
	a1 := "/a/" + w.AccA1.Slug + "/"
	if n, _ := visit(c, a1); n != 1 {
		t.Fatalf("first page of %s in the session wrote %d entries, want 1", w.AccA1.Name, n)
	}
	first := e.enteredAt(w.Agency, w.AccA1)
	if first.IsZero() {
		t.Fatal("no entry recorded")
	}
	// Every later page of the account in this session writes nothing at all: neither
	// the entry nor the session.
	for _, path := range []string{a1, a1, "/a/" + w.AccA1.Slug + "/members", a1} {
		if n, s := visit(c, path); n != 0 || s != 0 {
			t.Fatalf("GET %s again in the session: %d entry writes, %d session writes, want none", path, n, s)
		}
	}
	if n, _ := visit(c, "/a/"+w.AccB.Slug+"/"); n != 1 {
		t.Fatalf("first page of %s wrote %d entries, want 1", w.AccB.Name, n)
	}
	if n, _ := visit(c, a1); n != 0 {
		t.Fatalf("back in %s: %d entry writes, want 0", w.AccA1.Name, n)
	}
	if !e.enteredAt(w.Agency, w.AccA1).Equal(first) {
		t.Fatal("the entry time changed within the session")
	}
	// Another session records its own entry, once.
	c2 := e.client()
	c2.login(w.Agency.Email, pgtest.Password)
	if n, _ := visit(c2, a1); n != 1 {
		t.Fatalf("first page of %s in a new session wrote %d entries, want 1", w.AccA1.Name, n)
	}
	if n, _ := visit(c2, a1); n != 0 {
		t.Fatalf("second page in the new session wrote %d entries, want 0", n)
	}
	if again := e.enteredAt(w.Agency, w.AccA1); !again.After(first) {
		t.Fatalf("new session's entry at %v, want after %v", again, first)
	}

	// An organisation owner entering through the organisation (no membership) is
	// recorded too; refused entries are not.
	oo := pgtest.MustUser(t, e.Store, pgtest.Unique("co-owner")+"@a.test")
	if err := e.Store.AddOrganisationOwner(context.Background(), w.OrgA.ID, oo.ID); err != nil {
		t.Fatal(err)
	}
	c3 := e.client()
	c3.login(oo.Email, pgtest.Password)
	if n, _ := visit(c3, "/a/"+w.AccA2.Slug+"/"); n != 1 || e.enteredAt(oo, w.AccA2).IsZero() {
		t.Fatalf("an organisation owner's entry: %d writes, recorded %v", n, e.enteredAt(oo, w.AccA2))
	}
	before := e.writes.entries.Load()
	if res, _ := c3.get("/a/" + w.AccB.Slug + "/"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("stranger to %s: %d", w.AccB.Name, res.StatusCode)
	}
	if err := e.Store.SetMembershipStatus(context.Background(), w.AccA1.ID, w.Viewer.ID, domain.MembershipDeactivated); err != nil {
		t.Fatal(err)
	}
	cv := e.client()
	cv.login(w.Viewer.Email, pgtest.Password)
	cv.get("/a/" + w.AccA1.Slug + "/")
	if n := e.writes.entries.Load() - before; n != 0 || !e.enteredAt(w.Viewer, w.AccA1).IsZero() {
		t.Fatalf("refused entries wrote %d entries", n)
	}
}

func TestLanding_FallsBackToTheAccountEnteredMostRecently(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	if err := e.Store.SetFavourite(ctx, w.Agency.ID, w.AccB.ID); err != nil {
		t.Fatal(err)
	}
	// Alpha One is the oldest membership; Alpha Two was entered last.
	now := time.Now()
	for _, x := range []struct {
		a   domain.Account
		ago time.Duration
	}{{w.AccB, time.Minute}, {w.AccA1, time.Hour}, {w.AccA2, 10 * time.Minute}} {
		if err := e.Store.RecordEntry(ctx, w.Agency.ID, x.a.ID, now.Add(-x.ago)); err != nil {
			t.Fatal(err)
		}
	}
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	if res, _ := c.get("/"); res.Header.Get("Location") != "/a/"+w.AccB.Slug+"/" {
		t.Fatalf("with the favourite enterable, landing goes to %s", res.Header.Get("Location"))
	}
	// The favourite closes: sign-in lands in the account entered most recently, and
	// says so; the profile says where sign-in lands.
	if err := e.Store.SetAccountStatus(ctx, w.AccB.ID, domain.AccountClosed); err != nil {
		t.Fatal(err)
	}
	c = e.client()
	c.login(w.Agency.Email, pgtest.Password)
	res, _ := c.get("/")
	if res.Header.Get("Location") != "/a/"+w.AccA2.Slug+"/" {
		t.Fatalf("favourite closed: landing goes to %s, want %s (entered most recently)", res.Header.Get("Location"), w.AccA2.Slug)
	}
	if _, body := c.get("/a/" + w.AccA2.Slug + "/"); !strings.Contains(body, "no longer have access to your favourite account") {
		t.Fatal("no notice that the favourite fell back")
	}
	if _, body := c.get("/profile"); !strings.Contains(body, "so you land in "+w.AccA2.Name) {
		t.Fatal("the profile does not say where sign-in lands")
	}
	// Entering Alpha One makes it the most recent: the next sign-in lands there.
	c.get("/a/" + w.AccA1.Slug + "/")
	c = e.client()
	c.login(w.Agency.Email, pgtest.Password)
	if res, _ := c.get("/"); res.Header.Get("Location") != "/a/"+w.AccA1.Slug+"/" {
		t.Fatalf("after entering %s, landing goes to %s", w.AccA1.Name, res.Header.Get("Location"))
	}
}

var (
	listItemSlug = regexp.MustCompile(`class="switcher-item" href="/a/([a-z0-9-]+)/"`)
	tableRowSlug = regexp.MustCompile(`<td><a href="/a/([a-z0-9-]+)/">`)
	nextPageLink = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
)

// pagesOf follows the next-page links from path, returning the account slugs each page
// lists (found by item) in order.
func pagesOf(t *testing.T, c *client, path string, item *regexp.Regexp) [][]string {
	t.Helper()
	var pages [][]string
	for path != "" {
		res, body := c.get(path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		var slugs []string
		for _, m := range item.FindAllStringSubmatch(body, -1) {
			slugs = append(slugs, m[1])
		}
		pages = append(pages, slugs)
		path = ""
		if m := nextPageLink.FindStringSubmatch(body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
		if len(pages) > 20 {
			t.Fatal("pages never end")
		}
	}
	return pages
}

// manyAccounts gives u accounts in three organisations (names chosen so the order by
// organisation and account name differs from the order of creation), a favourite and
// three recorded entries, and returns the slugs in the order the pages list them.
func manyAccounts(t *testing.T, e *env, u domain.User, n int) (fav string, recent, rest []string) {
	t.Helper()
	ctx := context.Background()
	owner := pgtest.MustUser(t, e.Store, pgtest.Unique("many-owner")+"@x.test")
	orgs := []domain.Organisation{
		pgtest.MustOrganisation(t, e.Store, "Mid Org", owner),
		pgtest.MustOrganisation(t, e.Store, "a first org", owner),
		pgtest.MustOrganisation(t, e.Store, "Zed Org", owner),
	}
	var accs []domain.Account
	for i := range n {
		a := pgtest.MustAccount(t, e.Store, orgs[i%3], fmt.Sprintf("Client %03d", n-i), owner)
		pgtest.MustGrant(t, e.Store, a, u, domain.EditorRoleID)
		accs = append(accs, a)
	}
	if err := e.Store.SetFavourite(ctx, u.ID, accs[5].ID); err != nil {
		t.Fatal(err)
	}
	for i, a := range []domain.Account{accs[40], accs[2], accs[77]} {
		if err := e.Store.RecordEntry(ctx, u.ID, a.ID, time.Now().Add(time.Duration(i-10)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	recent = []string{accs[5].Slug, accs[77].Slug, accs[2].Slug, accs[40].Slug}
	// The others by organisation name, then account name.
	for _, o := range []int{1, 0, 2} {
		var names []domain.Account
		for i, a := range accs {
			if i%3 == o && !slices.Contains(recent, a.Slug) {
				names = append(names, a)
			}
		}
		slices.SortFunc(names, func(a, b domain.Account) int { return strings.Compare(a.Name, b.Name) })
		for _, a := range names {
			rest = append(rest, a.Slug)
		}
	}
	return accs[5].Slug, recent, rest
}

func TestAccountsAndProfile_KeysetPages(t *testing.T) {
	e := newEnv(t)
	u := pgtest.MustUser(t, e.Store, pgtest.Unique("agency")+"@x.test")
	_, recent, rest := manyAccounts(t, e, u, 130)
	c := e.client()
	c.login(u.Email, pgtest.Password)
	for _, x := range []struct {
		path string
		item *regexp.Regexp
	}{{"/accounts", listItemSlug}, {"/profile", tableRowSlug}} {
		pages := pagesOf(t, c, x.path, x.item)
		if want := (len(rest) + store.EntriesPageSize - 1) / store.EntriesPageSize; len(pages) != want {
			t.Fatalf("%s: %d pages, want %d (4 recent and %d others by %d)", x.path, len(pages), want, len(rest), store.EntriesPageSize)
		}
		if !slices.Equal(pages[0][:len(recent)], recent) {
			t.Fatalf("%s: first page starts %v, want the favourite then the entered accounts, newest first %v", x.path, pages[0][:len(recent)], recent)
		}
		got := slices.Concat(pages...)[len(recent):]
		if !slices.Equal(got, rest) {
			t.Fatalf("%s: the pages list %d other accounts, want %d once each in name order\n got %v\nwant %v", x.path, len(got), len(rest), got, rest)
		}
	}
	// The switcher's list is the first page of /accounts.
	_, body := c.get("/accounts?fragment=1")
	if got := listItemSlug.FindAllStringSubmatch(body, -1); len(got) != len(recent)+store.EntriesPageSize ||
		!strings.Contains(body, `data-more="true"`) || strings.Contains(body, "<html") {
		t.Fatalf("switcher fragment lists %d accounts (more: %v)", len(got), strings.Contains(body, `data-more="true"`))
	}
	if !strings.Contains(body, "Favourite and recent") {
		t.Fatal("switcher fragment has no favourite and recent group")
	}
}

func TestAccountsAndProfile_SearchPages(t *testing.T) {
	e := newEnv(t)
	u := pgtest.MustUser(t, e.Store, pgtest.Unique("agency")+"@x.test")
	_, recent, rest := manyAccounts(t, e, u, 130)
	c := e.client()
	c.login(u.Email, pgtest.Password)
	// "client 0" matches Client 001–099, several pages; "zed" an organisation's name,
	// so all of its accounts.
	all := slices.Concat(recent, rest)
	for _, q := range []string{"client 0", "zed"} {
		for _, x := range []struct {
			path string
			item *regexp.Regexp
		}{{"/accounts?q=" + url.QueryEscape(q), listItemSlug}, {"/profile?q=" + url.QueryEscape(q), tableRowSlug}} {
			got := slices.Concat(pagesOf(t, c, x.path, x.item)...)
			var want []string
			for _, slug := range all {
				a, err := e.Store.AccountBySlug(context.Background(), slug)
				if err != nil {
					t.Fatal(err)
				}
				org := ""
				if err := e.Store.Pool.QueryRow(context.Background(), `SELECT name FROM organisations WHERE id = $1`, a.OrganisationID).Scan(&org); err != nil {
					t.Fatal(err)
				}
				if strings.Contains(strings.ToLower(a.Name), q) || strings.Contains(strings.ToLower(org), q) {
					want = append(want, slug)
				}
			}
			if len(want) < 10 || !slices.Equal(got, want) {
				t.Fatalf("%s lists %d accounts %v, want %d %v", x.path, len(got), got, len(want), want)
			}
		}
	}
	if _, body := c.get("/profile?q=nothing+like+it"); !strings.Contains(body, "No account matches.") {
		t.Fatal("an empty search on the profile does not say so")
	}
}

func TestEntriesAfter_RefusesWhatIsNotAnID(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	stranger := pgtest.MustAccount(t, e.Store, w.OrgB, "Beta Elsewhere", w.OwnerB)
	for _, path := range []string{"/accounts", "/accounts?fragment=1&", "/profile"} {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = ""
		}
		for _, bad := range []string{"0", "-1", "abc", "01", "1e3", "99999999999999999999", "1&after=2", "%00"} {
			before := e.writes.n.Load() + e.writes.entries.Load()
			if res, _ := c.get(path + sep + "after=" + bad); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s after=%s: %d, want 404", path, bad, res.StatusCode)
			}
			if e.writes.n.Load()+e.writes.entries.Load() != before {
				t.Errorf("GET %s after=%s wrote", path, bad)
			}
		}
		// Another tenant's account is an id, but positions nothing: an empty page.
		res, body := c.get(path + sep + "after=" + fmt.Sprint(stranger.ID))
		if res.StatusCode != http.StatusOK || listItemSlug.MatchString(body) || tableRowSlug.MatchString(body) {
			t.Errorf("GET %s after a stranger's id: %d, lists accounts: %v", path, res.StatusCode, listItemSlug.MatchString(body) || tableRowSlug.MatchString(body))
		}
	}
}
