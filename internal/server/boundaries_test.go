package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

// userState is what an organisation owner's reach must not change for someone who is
// not theirs: their sessions, epoch, disabled flag and organisations.
type userState struct {
	sessions, epoch, orgs int
	disabled              bool
}

func stateOf(t *testing.T, e *env, u domain.User) userState {
	t.Helper()
	var s userState
	err := e.Store.Pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM sessions WHERE user_id = u.id), u.session_epoch,
		(SELECT count(*) FROM organisation_members WHERE user_id = u.id), u.disabled
		FROM users u WHERE u.id = $1`, u.ID).Scan(&s.sessions, &s.epoch, &s.orgs, &s.disabled)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestOrgOwner_ReachesOnlyTheirOwnPeople: an owner of organisation A can neither add,
// sign out nor disable a user of organisation B or a staff member; those who also
// belong elsewhere can only lose their access here; users A alone holds can be signed
// out everywhere and disabled.
func TestOrgOwner_ReachesOnlyTheirOwnPeople(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	staff := pgtest.MustUser(t, e.Store, pgtest.Unique("staff")+"@atrium.test")
	if err := e.Store.SetStaff(ctx, staff.ID, true); err != nil {
		t.Fatal(err)
	}
	// Everyone involved holds a live session.
	for _, u := range []domain.User{w.OwnerB, staff, w.Agency} {
		e.client().login(u.Email, pgtest.Password)
	}
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)

	// Strangers: the owner of B and a staff member hold nothing in A.
	for _, u := range []domain.User{w.OwnerB, staff} {
		before := stateOf(t, e, u)
		res, body := owner.post(ouPath(w.OrgA), url.Values{"first_name": {"X"}, "email": {u.Email}, "account": {itoa(w.AccA1.ID)},
			"role": {itoa(domain.ViewerRoleID)}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Sorry, that user already exists") {
			t.Fatalf("create with %s's email: %d, want 422", u.Email, res.StatusCode)
		}
		for _, action := range []string{"sessions/end", "disable", "enable", "access", "owner"} {
			res, _ := owner.post(ouUser(w.OrgA, u, action), url.Values{"account": {itoa(w.AccA1.ID)},
				"role": {itoa(domain.ViewerRoleID)}, "organisation": {w.OrgA.Slug}})
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("%s on %s: %d, want 404", action, u.Email, res.StatusCode)
			}
		}
		if res, _ := owner.get(ouUser(w.OrgA, u)); res.StatusCode != http.StatusNotFound {
			t.Errorf("page of %s: %d, want 404", u.Email, res.StatusCode)
		}
		if after := stateOf(t, e, u); after != before {
			t.Errorf("%s changed: %+v → %+v", u.Email, before, after)
		}
	}

	// Listed in A but not held by A alone: Agency (also in B), and a staff member
	// with a membership in A. Their access here is A's to end; nothing beyond it.
	pgtest.MustGrant(t, e.Store, w.AccA2, staff, domain.ViewerRoleID)
	for _, u := range []domain.User{w.Agency, staff} {
		_, body := owner.get(ouUser(w.OrgA, u))
		if strings.Contains(body, "Sign out everywhere") || strings.Contains(body, "Disable user") ||
			!strings.Contains(body, "only they or Atrium staff can sign them out everywhere") {
			t.Errorf("page of %s offers actions beyond the organisation", u.Email)
		}
		before, audits := stateOf(t, e, u), auditCount(t, e)
		for _, action := range []string{"sessions/end", "disable"} {
			res, body := owner.post(ouUser(w.OrgA, u, action), url.Values{})
			if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "also belongs to another organisation") {
				t.Errorf("%s on %s: %d, want 403 with the reason", action, u.Email, res.StatusCode)
			}
		}
		if after := stateOf(t, e, u); after != before || auditCount(t, e) != audits {
			t.Errorf("%s changed: %+v → %+v", u.Email, before, after)
		}
	}

	// A user A alone holds: signed out everywhere, disabled, enabled again.
	jane := ouNewcomer(t, e, w.OrgA)
	pgtest.MustGrant(t, e.Store, w.AccA1, jane, domain.ViewerRoleID)
	janeC := e.client()
	janeC.login(jane.Email, pgtest.Password)
	before := stateOf(t, e, jane)
	if res, body := owner.post(ouUser(w.OrgA, jane, "sessions/end"), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out a managed user: %d\n%s", res.StatusCode, body)
	}
	if after := stateOf(t, e, jane); after.sessions != 0 || after.epoch != before.epoch+1 {
		t.Fatalf("sign out everywhere left %+v (epoch before %d)", after, before.epoch)
	}
	janeC.login(jane.Email, pgtest.Password)
	if res, _ := owner.post(ouUser(w.OrgA, jane, "disable"), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable a managed user: %d", res.StatusCode)
	}
	if res, _ := janeC.get("/a/" + w.AccA1.Slug + "/"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("disabled user's next request: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _, _ := e.attempt(jane.Email, pgtest.Password); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("disabled user signs in: %d, want 401", res.StatusCode)
	}
	if ouAudit(t, e, w.OrgA.ID, "Users > Disable > "+jane.Email) != 1 {
		t.Fatal("disabling is not audited")
	}
	if res, _ := owner.post(ouUser(w.OrgA, jane, "enable"), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable: %d", res.StatusCode)
	}
	janeC.login(jane.Email, pgtest.Password)
	if res, _ := owner.post(ouUser(w.OrgA, w.OwnerA, "disable"), url.Values{}); res.StatusCode == http.StatusSeeOther {
		t.Fatal("an owner disabled themself")
	}
}

// TestStaff_ConfirmsAnExistingUserBeforeAppointingThem: the attack the confirmation
// stops. A user already exists under a future customer's email: an owner of A invited
// it, and whoever held the link accepted, choosing the password (an owner no longer
// sees such links, but a mailbox can be shared or forwarded). Staff appointing that
// email later are shown who created the user and through what the password was set,
// and nothing happens until they confirm.
func TestStaff_ConfirmsAnExistingUserBeforeAppointingThem(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	staff := pgtest.MustUser(t, e.Store, pgtest.Unique("staff")+"@atrium.test")
	if err := e.Store.SetStaff(ctx, staff.ID, true); err != nil {
		t.Fatal(err)
	}
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	res, body := owner.post(ouPath(w.OrgA), url.Values{"first_name": {"The"}, "last_name": {"Boss"}, "email": {"boss@future-customer.test"},
		"account": {itoa(w.AccA1.ID)}, "role": {itoa(domain.ViewerRoleID)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite: %d\n%s", res.StatusCode, excerpt(body))
	}
	link := invitationLink(t, e, "boss@future-customer.test")
	if res, body := acceptAsNew(e.client(), link, "The Boss", "i own you now, boss"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d\n%s", res.StatusCode, excerpt(body))
	}
	future := pgtest.MustOrganisation(t, e.Store, "Future Customer", staff)

	c := e.client()
	c.login(staff.Email, pgtest.Password)
	res, body = c.post("/staff/owners", url.Values{"owner_org": {future.Slug}, "owner_email": {"Boss@Future-Customer.test"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Is this who you mean?") {
		t.Fatalf("appoint an existing email: %d", res.StatusCode)
	}
	for _, fact := range []string{"The Boss", w.OrgA.Name, "by " + w.OwnerA.Email + "&#39;s invitation to " + w.AccA1.Name,
		"through the invitation from " + w.OwnerA.Email + " to " + w.AccA1.Name} {
		if !strings.Contains(body, fact) {
			t.Errorf("the confirmation does not say %q", fact)
		}
	}
	if ok, _ := e.Store.IsOrganisationOwner(ctx, future.ID, userIDByEmail(t, e, "boss@future-customer.test")); ok {
		t.Fatal("appointed before staff confirmed")
	}
	id := regexp.MustCompile(`name="confirm_user" value="(\d+)"`).FindStringSubmatch(body)[1]
	res, _ = c.post("/staff/owners", url.Values{"owner_org": {future.Slug}, "owner_email": {"boss@future-customer.test"}, "confirm_user": {id}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed appointment: %d", res.StatusCode)
	}
	if ok, _ := e.Store.IsOrganisationOwner(ctx, future.ID, userIDByEmail(t, e, "boss@future-customer.test")); !ok {
		t.Fatal("not appointed after confirming")
	}
}

// TestStaff_DisableAndSignOutAnyone: staff act platform-wide on any user from the
// console's user card; the disabled user's next request is refused.
func TestStaff_DisableAndSignOutAnyone(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	staff := pgtest.MustUser(t, e.Store, pgtest.Unique("staff")+"@atrium.test")
	if err := e.Store.SetStaff(ctx, staff.ID, true); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login(staff.Email, pgtest.Password)
	agency := e.client()
	agency.login(w.Agency.Email, pgtest.Password)

	if _, body := c.get("/staff/users?email=" + url.QueryEscape(w.Agency.Email)); !strings.Contains(body, w.OrgA.Name) ||
		!strings.Contains(body, w.OrgB.Name) || !strings.Contains(body, "Disable user") {
		t.Fatal("the user card does not show the user's organisations and actions")
	}
	if res, _ := c.post("/staff/users/disable", url.Values{"email": {w.Agency.Email}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.StatusCode)
	}
	if res, _ := agency.get("/profile"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("disabled user's next request: %d", res.StatusCode)
	}
	if res, _, _ := e.attempt(w.Agency.Email, pgtest.Password); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("disabled user signs in: %d", res.StatusCode)
	}
	if res, _ := c.post("/staff/users/enable", url.Values{"email": {w.Agency.Email}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable: %d", res.StatusCode)
	}
	agency.login(w.Agency.Email, pgtest.Password)
	before := stateOf(t, e, w.Agency)
	if res, _ := c.post("/staff/users/sessions/end", url.Values{"email": {w.Agency.Email}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: %d", res.StatusCode)
	}
	if after := stateOf(t, e, w.Agency); after.sessions != 0 || after.epoch != before.epoch+1 {
		t.Fatalf("staff sign-out left %+v", after)
	}
	if res, _ := c.post("/staff/users/disable", url.Values{"email": {staff.Email}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("staff disabling themself: %d, want 422", res.StatusCode)
	}
	// Not staff: the user card does not exist.
	agency.login(w.Agency.Email, pgtest.Password)
	if res, _ := agency.get("/staff/users?email=" + url.QueryEscape(staff.Email)); res.StatusCode != http.StatusNotFound {
		t.Fatalf("user card for a non-staff user: %d", res.StatusCode)
	}
}

func userIDByEmail(t *testing.T, e *env, email string) int64 {
	t.Helper()
	var id int64
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT id FROM users WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
