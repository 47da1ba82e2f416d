package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
	"atrium/internal/store"
)

// TestBrowser_ManyAccounts walks a user with 300 accounts in 12 organisations through
// the switcher (favourite and recent first, then a first page by organisation; the
// search asks the server) and the profile's account list (search, next page).
func TestBrowser_ManyAccounts(t *testing.T) {
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(t.Context(), browserTestTimeout)
	defer cancel()
	e := newEnv(t)
	owner := pgtest.MustUser(t, e.Store, pgtest.Unique("owner")+"@clients.test")
	u := pgtest.MustUser(t, e.Store, pgtest.Unique("agency")+"@pixel.test")
	_, err := e.Store.Pool.Exec(ctx, `
WITH o AS (INSERT INTO organisations (slug, name)
	SELECT 'client-' || g, (ARRAY['Aurora Media', 'Bluefin Foods', 'Cedar Health', 'Delta Motors', 'Ember Studios', 'Fjord Travel',
		'Granite Bank', 'Harbour Retail', 'Iris Cosmetics', 'Juniper Energy', 'Kestrel Sports', 'Lumen Labs'])[g]
	FROM generate_series(1, 12) g RETURNING id, slug, name),
oo AS (INSERT INTO organisation_owners (organisation_id, user_id) SELECT id, $1 FROM o),
a AS (INSERT INTO accounts (organisation_id, slug, name)
	SELECT o.id, o.slug || '-' || g, split_part(o.name, ' ', 1) || ' ' ||
		(ARRAY['North', 'South', 'East', 'West', 'Online', 'Outlet'])[1 + g % 6] || ' ' || lpad(g::text, 2, '0')
	FROM o, generate_series(1, 25) g RETURNING id)
INSERT INTO memberships (account_id, user_id, role_id)
SELECT id, $1, 1 FROM a UNION ALL SELECT id, $2, (ARRAY[2, 3, 4, 5])[1 + id % 4] FROM a`, owner.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	slug := func(s string) domain.Account {
		a, err := e.Store.AccountBySlug(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	fav := slug("client-10-7")
	if err := e.Store.SetFavourite(ctx, u.ID, fav.ID); err != nil {
		t.Fatal(err)
	}
	for i, s := range []string{"client-3-4", "client-12-1", "client-5-20"} {
		if err := e.Store.RecordEntry(ctx, u.ID, slug(s).ID, time.Now().Add(time.Duration(i-10)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(ctx, t, exe, e.URL)
	b.login(u.Email, pgtest.Password, "/a/"+fav.Slug+"/")

	// The switcher: the favourite, the accounts entered most recently, then the first
	// page by organisation; more exist, so the search asks the server.
	b.do("opening the switcher", chromedp.Click(chromedp.ID("switcher-toggle")), chromedp.WaitVisible(chromedp.ID("switcher-search")))
	b.waitFor("loading the switcher's list", `document.querySelectorAll("#switcher-list .switcher-item").length > 0 ? "yes" : "no"`, "yes")
	st, err := evalJS[switcherState](b, switcherStateJS)
	if err != nil {
		t.Fatal(err)
	}
	lead := []string{fav.Name, slug("client-5-20").Name, slug("client-12-1").Name, slug("client-3-4").Name}
	if len(st.Visible) != len(lead)+store.EntriesPageSize || !st.More || strings.Join(st.Visible[:len(lead)], "|") != strings.Join(lead, "|") {
		t.Fatalf("switcher lists %d (more %v), starting %q, want %d starting %q", len(st.Visible), st.More, st.Visible[:min(len(st.Visible), 6)],
			len(lead)+store.EntriesPageSize, lead)
	}
	if got := b.text("#switcher-list .switcher-group-name"); got != "Favourite and recent" {
		t.Fatalf("first group is %q", got)
	}
	b.screenshot("switcher-many")

	// Searching asks the server for every match, not only the listed ones.
	b.do("searching the switcher", chromedp.SendKeys(chromedp.ID("switcher-search"), "lumen outlet"))
	b.waitFor("server search", `JSON.stringify(`+switcherStateJS+`.visible)`, `["Lumen Outlet 05","Lumen Outlet 11","Lumen Outlet 17","Lumen Outlet 23"]`)
	b.screenshot("switcher-search")
	b.do("pressing Enter", chromedp.SendKeys(chromedp.ID("switcher-search"), "\r"))
	b.waitPath("/a/client-12-5/")

	// The profile's account list: favourite and recent first, pages, a search.
	b.do("opening /profile", chromedp.Navigate(e.URL+"/profile"))
	b.waitPath("/profile")
	rows := func() int {
		n, err := evalJS[int](b, `document.querySelectorAll(".accounts-table tbody tr:not(.group-row)").length`)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Lumen Outlet 05 was just entered: it leads the recent ones now.
	if got := b.text(".accounts-table tbody.recent tr:nth-child(3) td:nth-child(2)"); got != "Lumen Outlet 05" {
		t.Fatalf("second recent account on the profile is %q, want Lumen Outlet 05 (entered last)", got)
	}
	if n := rows(); n != 5+store.EntriesPageSize {
		t.Fatalf("profile lists %d accounts, want %d", n, 5+store.EntriesPageSize)
	}
	b.screenshot("profile-accounts")
	b.do("next page", chromedp.Click(chromedp.Search(`//section[@id="accounts"]//a[@rel="next"]`)))
	b.waitText("#accounts", "First page")
	if n := rows(); n != store.EntriesPageSize {
		t.Fatalf("profile's second page lists %d accounts, want %d", n, store.EntriesPageSize)
	}
	b.do("searching the profile's accounts",
		chromedp.SetValue(chromedp.ID("accounts-q"), "cedar"),
		chromedp.Submit(chromedp.ID("accounts-q")))
	b.waitText("#accounts", "Cedar West 21")
	if n := rows(); n != 25 {
		t.Fatalf("search cedar lists %d accounts, want its 25", n)
	}
	b.screenshot("profile-accounts-search")
}
