package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"atrium/internal/pgtest"
)

func TestStaffConsole_HiddenFromNonStaff(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.OwnerA.Email, pgtest.Password)
	if res, _ := c.get("/staff/"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("non-staff GET /staff/: %d", res.StatusCode)
	}
	if res, _ := c.post("/staff/organisations", url.Values{"org_name": {"Sneaky"}}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("non-staff create organisation: %d", res.StatusCode)
	}
	if _, err := e.Store.OrganisationBySlug(context.Background(), "sneaky"); err == nil {
		t.Fatal("a non-staff user created an organisation")
	}
}

func TestStaffConsole_CreatesOrganisationAccountAndFirstOwner(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	staff := pgtest.MustUser(t, e.Store, "staff@atrium.test")
	if err := e.Store.SetStaff(ctx, staff.ID, true); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login(staff.Email, pgtest.Password)
	if res, _ := c.post("/staff/organisations", url.Values{"org_name": {"Initech"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create organisation: %d", res.StatusCode)
	}
	if res, body := c.post("/staff/organisations", url.Values{"org_name": {"Initech"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "already uses the address initech") {
		t.Fatalf("duplicate organisation: %d", res.StatusCode)
	}
	res, _ := c.post("/staff/owners", url.Values{"owner_org": {"initech"}, "owner_email": {"Peter@Initech.test"}, "owner_name": {"Peter Gibbons"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("appoint owner: %d", res.StatusCode)
	}
	// The one-time link goes to Peter by email, never to the staff member's screen.
	_, body := c.get("/staff/")
	if !strings.Contains(body, "A link to set their password was emailed to peter@initech.test.") || strings.Contains(body, "/set-password/") {
		t.Fatal("the console does not say the link was emailed, or shows it")
	}
	link := e.outboxLink("peter@initech.test")
	// Peter exists now: staff are shown who that is and must confirm.
	form := url.Values{"account_org": {"initech"}, "account_name": {"Initech Sales"},
		"account_plan": {"team"}, "account_seats": {"10"}, "account_owner_email": {"peter@initech.test"}}
	res, body = c.post("/staff/accounts", form)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "already has a user. Is this who you mean?") ||
		!strings.Contains(body, "Peter Gibbons") || !strings.Contains(body, "Initech") || !strings.Contains(body, "Never set") ||
		!strings.Contains(body, `name="confirm_user"`) {
		t.Fatalf("create account for an existing email without confirming: %d\n%s", res.StatusCode, body)
	}
	var created int
	if err := e.Store.Pool.QueryRow(ctx, `SELECT count(*) FROM accounts WHERE slug = 'initech-sales'`).Scan(&created); err != nil || created != 0 {
		t.Fatalf("an account was created before confirming (%d, %v)", created, err)
	}
	peterID := regexp.MustCompile(`name="confirm_user" value="(\d+)"`).FindStringSubmatch(body)[1]
	form.Set("confirm_user", "999999")
	if res, _ = c.post("/staff/accounts", form); res.StatusCode != http.StatusOK {
		t.Fatalf("confirming another user's id: %d, want the question again", res.StatusCode)
	}
	form.Set("confirm_user", peterID)
	res, _ = c.post("/staff/accounts", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create account: %d", res.StatusCode)
	}
	if res, body := c.post("/staff/accounts", url.Values{"account_org": {"initech"}, "account_name": {"X"},
		"account_seats": {"0"}, "account_owner_email": {"peter@initech.test"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "seat limit") {
		t.Fatalf("bad seat limit: %d", res.StatusCode)
	}

	if _, body := c.get("/staff/"); !strings.Contains(body, "<strong>Initech Sales</strong>") || !strings.Contains(body, "/initech-sales") {
		t.Fatal("the console does not list the new account under its organisation")
	}

	// The new owner sets a password through the link, once.
	peter := e.client()
	if res, body := peter.get(link); res.StatusCode != http.StatusOK || !strings.Contains(body, "peter@initech.test") {
		t.Fatalf("set-password page: %d", res.StatusCode)
	}
	if res, _ := peter.post(link, url.Values{"password": {"short"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("short password: %d", res.StatusCode)
	}
	// Setting a password through the link also lifts a suspension of the email.
	e.exec(`INSERT INTO login_throttles (key, failures, last_failure_at) VALUES ('email:peter@initech.test', 100, now())`)
	if res, _ := peter.post(link, url.Values{"password": {"tps reports forever"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("set password: %d", res.StatusCode)
	}
	if res, body := peter.get(link); res.StatusCode == http.StatusOK || !strings.Contains(body, "already been used") {
		t.Fatalf("used link: %d", res.StatusCode)
	}
	peter.login("peter@initech.test", "tps reports forever")
	res, _ = peter.get("/")
	if res.Header.Get("Location") != "/a/initech-sales/" {
		t.Fatalf("new owner landed on %q", res.Header.Get("Location"))
	}
	res, body = peter.get("/a/initech-sales/")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, ">Owner<") {
		t.Fatalf("owner's account home: %d", res.StatusCode)
	}
	if res, _ := peter.get("/org/initech/"); res.StatusCode != http.StatusOK {
		t.Fatalf("owner's organisation page: %d", res.StatusCode)
	}
	var n int
	_ = e.Store.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action LIKE 'Staff >%'`).Scan(&n)
	if n != 3 {
		t.Fatalf("staff actions audited: %d, want 3", n)
	}
}
