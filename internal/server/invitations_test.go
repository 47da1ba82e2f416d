package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

func membersPath(acc domain.Account) string { return "/a/" + acc.Slug + "/members" }

func invitationAction(acc domain.Account, id int64, action string) string {
	return fmt.Sprintf("/a/%s/invitations/%d/%s", acc.Slug, id, action)
}

// TestInvite_EmailSaysWhoWhatUntilWhen: an administrator invites someone new; the
// invitation is pending on the members list (email, role, inviter, sent, expiry) and
// holds a seat; its email, in text and HTML, names the inviter, account,
// organisation, role and expiry, quotes the personal message and carries one link
// from the base URL, and no image.
func TestInvite_EmailSaysWhoWhatUntilWhen(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	admin := e.client()
	admin.login(w.Agency.Email, pgtest.Password)

	res, body := invite(admin, w.AccA1, "Zoë", "zoe@example.com", domain.EditorRoleID, "message", "Welcome aboard!\nSee you Monday.")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite: %d\n%s", res.StatusCode, excerpt(body))
	}
	m := lastMail(t, e, "zoe@example.com")
	for _, want := range []string{w.Agency.FullName, w.Agency.Email, w.AccA1.Name, w.OrgA.Name, "Editor", "Link expires", "UTC",
		"> Welcome aboard!", "> See you Monday.", "Hello Zoë"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text part lacks %q", want)
		}
	}
	for _, want := range []string{html.EscapeString(w.AccA1.Name), html.EscapeString(w.OrgA.Name), "Editor", "Welcome aboard!"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
	if m.Kind != "invitation" || m.AccountID != w.AccA1.ID || strings.Contains(m.HTML, "<img") {
		t.Errorf("message %s for account %d (or it carries an image)", m.Kind, m.AccountID)
	}
	invitationLink(t, e, "zoe@example.com")
	if n := pendingCount(t, e, w.AccA1.ID); n != 1 {
		t.Fatalf("pending invitations counted: %d, want 1", n)
	}
	_, body = admin.get(membersPath(w.AccA1))
	for _, want := range []string{"Pending invitations", "zoe@example.com", "Editor", w.Agency.FullName, "sent once", "and 1 pending invitation",
		`data-confirm="Send the invitation to zoe@example.com again?`, `data-confirm="Revoke the invitation to zoe@example.com?`} {
		if !strings.Contains(body, want) {
			t.Errorf("members page lacks %q", want)
		}
	}
	if n := countWhere(t, e, `SELECT count(*) FROM audit_events WHERE account_id = $1 AND action = $2`, w.AccA1.ID,
		"Members > Invite > zoe@example.com (Editor)"); n != 1 {
		t.Fatalf("invitation audited %d times", n)
	}
	// With nothing pending the list says so.
	id, _ := invitationRow(t, e, w.AccA1.ID, "zoe@example.com")
	if res, _ := admin.post(invitationAction(w.AccA1, id, "revoke"), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if _, body = admin.get(membersPath(w.AccA1)); !strings.Contains(body, "No pending invitations") {
		t.Fatal("an empty invitation list does not say so")
	}
	if n := pendingCount(t, e, w.AccA1.ID); n != 0 {
		t.Fatalf("pending invitations counted after revoking: %d", n)
	}
}

func countWhere(t *testing.T, e *env, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInvite_PreviewIsTheEmailThatIsSent: "See what we will send" shows the email's
// subject, text and HTML from the same builder as the real message, and sends or
// stores nothing; the message then sent says the same but for its personal link.
func TestInvite_PreviewIsTheEmailThatIsSent(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	admin := e.client()
	admin.login(w.Agency.Email, pgtest.Password)
	form := url.Values{"first_name": {"Ann"}, "last_name": {"Lee"}, "email": {"ann@example.com"},
		"role": {fmt.Sprint(domain.ViewerRoleID)}, "message": {"Hi Ann <3"}}
	res, body := admin.post("/a/"+w.AccA1.Slug+"/invitations/preview", form)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "What we will send") || !strings.Contains(body, `srcdoc="`) {
		t.Fatalf("preview: %d\n%s", res.StatusCode, excerpt(body))
	}
	if countWhere(t, e, `SELECT count(*) FROM mail_outbox`) != 0 || countWhere(t, e, `SELECT count(*) FROM invitations`) != 0 {
		t.Fatal("the preview sent or stored something")
	}
	// The form keeps what was typed, so sending is one click away.
	if !strings.Contains(body, `value="ann@example.com"`) || !strings.Contains(body, "Hi Ann &lt;3</textarea>") {
		t.Fatal("the preview lost the form's values")
	}
	if res, _ := admin.post("/a/"+w.AccA1.Slug+"/invitations", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("send: %d", res.StatusCode)
	}
	m := lastMail(t, e, "ann@example.com")
	link := invitationLink(t, e, "ann@example.com")
	sent := strings.ReplaceAll(m.Text, link, "/invitations/your-personal-link")
	if !strings.Contains(body, html.EscapeString(sent)) {
		t.Fatalf("the preview's text part differs from the message sent:\n%s", sent)
	}
	if !strings.Contains(body, html.EscapeString(m.Subject)) {
		t.Fatal("the preview's subject differs from the message sent")
	}
}

// TestInvite_ResendKillsTheOldLink: a resend makes a new link; the older one says it
// was replaced and grants nothing; the new one works.
func TestInvite_ResendKillsTheOldLink(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	admin := e.client()
	admin.login(w.Agency.Email, pgtest.Password)
	first := mustInvite(t, e, admin, w.AccA1, "rex@example.com", domain.ViewerRoleID)
	id, _ := invitationRow(t, e, w.AccA1.ID, "rex@example.com")
	res, _ := admin.post(invitationAction(w.AccA1, id, "resend"), url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resend: %d", res.StatusCode)
	}
	second := invitationLink(t, e, "rex@example.com")
	if second == first {
		t.Fatal("the resend carries the same link")
	}
	if m := lastMail(t, e, "rex@example.com"); m.Kind != "invitation_resend" || !strings.Contains(m.Text, "no longer works") {
		t.Fatalf("resent message: %s", m.Kind)
	}
	rex := e.client()
	res, body := rex.get(first)
	if res.StatusCode != http.StatusGone || !strings.Contains(body, "This link has been replaced") || !strings.Contains(body, w.Agency.Email) {
		t.Fatalf("old link: %d, want 410 saying it was replaced and whom to ask", res.StatusCode)
	}
	if res, _ := acceptAsNew(rex, first, "Rex", "a long enough passphrase"); res.StatusCode == http.StatusSeeOther {
		t.Fatal("the old link was accepted")
	}
	if _, err := e.Store.UserByEmail(context.Background(), "rex@example.com"); err == nil {
		t.Fatal("the old link created a user")
	}
	if res, body := acceptAsNew(rex, second, "Rex", "a long enough passphrase"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("new link: %d\n%s", res.StatusCode, excerpt(body))
	}
	if countWhere(t, e, `SELECT sent_count FROM invitations WHERE id = $1`, id) != 2 {
		t.Fatal("the invitation does not count two sends")
	}
}

// TestInvite_Refusals: who may not invite, what may not be offered, and what the form
// refuses.
func TestInvite_Refusals(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	viewer, admin := e.client(), e.client()
	viewer.login(w.Viewer.Email, pgtest.Password)
	admin.login(w.Agency.Email, pgtest.Password)

	// A viewer cannot invite.
	if res, body := viewer.get("/a/" + w.AccA1.Slug + "/invitations/new"); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Invite members") {
		t.Fatalf("viewer opens the invite form: %d, want 403 naming the permission", res.StatusCode)
	}
	if res, _ := invite(viewer, w.AccA1, "Eve", "eve@example.com", domain.ViewerRoleID); res.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer invites: %d, want 403", res.StatusCode)
	}
	// An administrator cannot invite as Owner; the form does not offer it.
	if _, body := admin.get("/a/" + w.AccA1.Slug + "/invitations/new"); strings.Contains(body, `>Owner</option>`) || !strings.Contains(body, `>Editor</option>`) {
		t.Fatal("the invite form offers Owner, or not Editor")
	}
	if res, body := invite(admin, w.AccA1, "Eve", "eve@example.com", domain.OwnerRoleID); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Ownership cannot be granted") {
		t.Fatalf("invite as Owner: %d", res.StatusCode)
	}
	// A member whose custom role may invite cannot offer a role beyond their own.
	var inviterRole int64
	if err := e.Store.Pool.QueryRow(ctx, `INSERT INTO roles (account_id, name) VALUES ($1, 'Recruiter') RETURNING id`, w.AccA1.ID).Scan(&inviterRole); err != nil {
		t.Fatal(err)
	}
	e.exec(`INSERT INTO role_permissions (role_id, permission) VALUES ($1, 'account.view'), ($1, 'members.view'), ($1, 'members.invite'), ($1, 'campaigns.view')`, inviterRole)
	recruiter := pgtest.MustUser(t, e.Store, pgtest.Unique("recruiter")+"@a.test")
	pgtest.MustGrant(t, e.Store, w.AccA1, recruiter, inviterRole)
	rc := e.client()
	rc.login(recruiter.Email, pgtest.Password)
	if res, body := invite(rc, w.AccA1, "Eve", "eve@example.com", domain.EditorRoleID); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "You cannot grant Editor") {
		t.Fatalf("invite above one's own role: %d\n%s", res.StatusCode, excerpt(body))
	}
	before := countWhere(t, e, `SELECT count(*) FROM invitations`)

	for name, tc := range map[string]struct {
		first, email, message, want string
	}{
		"malformed email":      {"Eve", "eve@@example", "", "Enter an email address like name@example.com."},
		"email without domain": {"Eve", "eve@localhost", "", "Enter an email address like name@example.com."},
		"overlong email":       {"Eve", strings.Repeat("a", 250) + "@example.com", "", "Enter an email address like name@example.com."},
		"no first name":        {"  ", "eve@example.com", "", "Enter a name."},
		"overlong name":        {strings.Repeat("é", 61), "eve@example.com", "", "Use at most 60 characters."},
		"a link as a name":     {"www.evil.test", "eve@example.com", "", "Enter a name, not an address or a link."},
		"markup in the name":   {"<b>Eve</b>", "eve@example.com", "", "Use letters, spaces and ordinary punctuation only."},
		"link in the message":  {"Eve", "eve@example.com", "Claim your prize at https://evil.test", "Leave links out"},
		"markup in message":    {"Eve", "eve@example.com", "<a href=x>hi</a>", "Use plain text, without HTML or other markup."},
		"overlong message":     {"Eve", "eve@example.com", strings.Repeat("x", 501), "Keep it to 500 characters (this is 501)."},
		"direction override":   {"Eve", "eve@example.com", "pay\u202etxt.exe", "Use plain text only."},
		"already a member":     {"Vic", strings.ToUpper(w.Viewer.Email), "", "is already a member of " + w.AccA1.Name},
	} {
		res, body := invite(admin, w.AccA1, tc.first, tc.email, domain.ViewerRoleID, "message", tc.message)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, html.EscapeString(tc.want)) {
			t.Errorf("%s: %d, want 422 with %q", name, res.StatusCode, tc.want)
		}
	}
	if countWhere(t, e, `SELECT count(*) FROM invitations`) != before {
		t.Fatal("a refused invitation was stored")
	}
	// Names in any script are fine.
	for i, name := range []string{"Zoë Ångström-Łukasz", "李小龙", "Ngũgĩ wa Thiong'o", "Đặng Thị Hương"} {
		res, body := invite(admin, w.AccA1, name, fmt.Sprintf("intl%d@example.com", i), domain.ViewerRoleID)
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("unicode name %q: %d\n%s", name, res.StatusCode, excerpt(body))
		}
	}
	// A second invitation to the same email offers to send the pending one again.
	res, body := invite(admin, w.AccA1, "Again", "INTL0@example.com", domain.EditorRoleID)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "is already pending") || !strings.Contains(body, "Send it again") {
		t.Fatalf("duplicate invitation: %d, want 422 offering to resend", res.StatusCode)
	}
	if countWhere(t, e, `SELECT count(*) FROM invitations WHERE email = 'intl0@example.com'`) != 1 {
		t.Fatal("a duplicate invitation was stored")
	}
	// A deactivated member is reactivated, not invited.
	if _, err := e.Store.Pool.Exec(ctx, `UPDATE memberships SET status = 'deactivated' WHERE account_id = $1 AND user_id = $2`, w.AccA1.ID, w.Viewer.ID); err != nil {
		t.Fatal(err)
	}
	if res, body := invite(admin, w.AccA1, "Vic", w.Viewer.Email, domain.ViewerRoleID); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "reactivate them from the members list") {
		t.Fatalf("inviting a deactivated member: %d", res.StatusCode)
	}
}

// TestInvite_SeatsCountPendingInvitations: a pending invitation takes a seat, so the
// last seat cannot be offered twice; revoking frees it; the Solo plan allows no
// invitation at all.
func TestInvite_SeatsCountPendingInvitations(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	// Alpha One has its owner, Agency and Viewer: one seat left of four.
	if err := e.Store.SetAccountPlan(ctx, w.AccA1.ID, "team", 4); err != nil {
		t.Fatal(err)
	}
	admin := e.client()
	admin.login(w.Agency.Email, pgtest.Password)
	mustInvite(t, e, admin, w.AccA1, "one@example.com", domain.ViewerRoleID)
	res, body := invite(admin, w.AccA1, "Two", "two@example.com", domain.ViewerRoleID)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "uses all 4 of its seats (3 members, 1 pending invitations)") {
		t.Fatalf("invitation beyond the seats: %d\n%s", res.StatusCode, excerpt(body))
	}
	id, _ := invitationRow(t, e, w.AccA1.ID, "one@example.com")
	if res, _ := admin.post(invitationAction(w.AccA1, id, "revoke"), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	mustInvite(t, e, admin, w.AccA1, "two@example.com", domain.ViewerRoleID)
	// An expired invitation frees its seat at once (expired under the account's lock).
	e.exec(`UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE email = 'two@example.com'`)
	mustInvite(t, e, admin, w.AccA1, "three@example.com", domain.ViewerRoleID)
	if _, st := invitationRow(t, e, w.AccA1.ID, "two@example.com"); st != "expired" {
		t.Fatalf("the overdue invitation is %s, want expired", st)
	}
	if n := pendingCount(t, e, w.AccA1.ID); n != 1 {
		t.Fatalf("pending invitations counted: %d, want 1", n)
	}
	if err := e.Store.SetAccountPlan(ctx, w.AccA2.ID, "solo", 25); err != nil {
		t.Fatal(err)
	}
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	if res, body := invite(owner, w.AccA2, "Solo", "solo@example.com", domain.ViewerRoleID); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Solo plan") {
		t.Fatalf("invitation on the Solo plan: %d", res.StatusCode)
	}
}

// TestInvite_RateLimits: at most 20 invitation emails per sender and 100 per account
// in any hour, counted in PostgreSQL; the refusal names the wait and sets Retry-After;
// sends older than an hour no longer count.
func TestInvite_RateLimits(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	admin := e.client()
	admin.login(w.Agency.Email, pgtest.Password)
	// Nineteen sends by Agency in the last hour, from another account, the oldest 49½
	// minutes ago (so the next send is allowed in a little over 10 minutes).
	e.exec(`INSERT INTO invitation_sends (account_id, sender_id, sent_at)
		SELECT $1, $2, now() - interval '49 minutes 30 seconds' + g * interval '1 second' FROM generate_series(1, 19) g`, w.AccB.ID, w.Agency.ID)
	e.exec(`INSERT INTO invitation_sends (account_id, sender_id, sent_at)
		SELECT $1, $2, now() - interval '2 hours' FROM generate_series(1, 30) g`, w.AccA1.ID, w.Agency.ID)
	mustInvite(t, e, admin, w.AccA1, "twentieth@example.com", domain.ViewerRoleID)
	res, body := invite(admin, w.AccA1, "Late", "late@example.com", domain.ViewerRoleID)
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "You have sent 20 invitations in the last hour") ||
		!strings.Contains(body, "You can send the next one in 11 minutes") || res.Header.Get("Retry-After") == "" {
		t.Fatalf("21st invitation: %d (Retry-After %q)\n%s", res.StatusCode, res.Header.Get("Retry-After"), excerpt(body))
	}
	id, _ := invitationRow(t, e, w.AccA1.ID, "twentieth@example.com")
	if res, _ := admin.post(invitationAction(w.AccA1, id, "resend"), url.Values{}); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("resend over the limit: %d, want 429", res.StatusCode)
	}
	if countWhere(t, e, `SELECT count(*) FROM invitations WHERE email = 'late@example.com'`) != 0 || mailCount(t, e, "late@example.com", "invitation") != 0 {
		t.Fatal("a refused invitation was stored or sent")
	}
	// The account's own limit: 100 sends by others in the last hour.
	e.exec(`INSERT INTO invitation_sends (account_id, sender_id, sent_at)
		SELECT $1, $2, now() - interval '30 minutes' FROM generate_series(1, 100) g`, w.AccA2.ID, w.Viewer.ID)
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	res, body = invite(owner, w.AccA2, "Busy", "busy@example.com", domain.ViewerRoleID)
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, w.AccA2.Name+" has sent 100 invitations in the last hour") {
		t.Fatalf("account limit: %d\n%s", res.StatusCode, excerpt(body))
	}
	// An hour on, those sends no longer count.
	e.exec(`UPDATE invitation_sends SET sent_at = sent_at - interval '31 minutes' WHERE account_id = $1`, w.AccA2.ID)
	mustInvite(t, e, owner, w.AccA2, "busy@example.com", domain.ViewerRoleID)
}

// TestInvite_FailedDeliveryShowsOnThePendingRow: the inviter sees on the invitation's
// row how delivery of its latest email went, and a resend starts again.
func TestInvite_FailedDeliveryShowsOnThePendingRow(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	admin := e.client()
	admin.login(w.Agency.Email, pgtest.Password)
	mustInvite(t, e, admin, w.AccA1, "bounce@example.com", domain.ViewerRoleID)
	m := lastMail(t, e, "bounce@example.com")
	e.exec(`UPDATE mail_outbox SET status = 'failed', last_error = '550 5.1.1 mailbox unavailable' WHERE id = $1`, m.ID)
	_, body := admin.get(membersPath(w.AccA1))
	if !strings.Contains(body, "Delivery failed") || !strings.Contains(body, "550 5.1.1 mailbox unavailable") {
		t.Fatal("the failed delivery does not show on the invitation's row")
	}
	id, _ := invitationRow(t, e, w.AccA1.ID, "bounce@example.com")
	if res, _ := admin.post(invitationAction(w.AccA1, id, "resend"), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resend: %d", res.StatusCode)
	}
	if _, body = admin.get(membersPath(w.AccA1)); strings.Contains(body, "Delivery failed") || !strings.Contains(body, "Queued") {
		t.Fatal("after a resend the row still shows the older message's failure")
	}
}

// TestCloseAccount_EndsItsInvitations: closing an account ends its pending
// invitations: their links say the account was closed, and reopening does not revive
// them.
func TestCloseAccount_EndsItsInvitations(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	link := mustInvite(t, e, owner, w.AccA1, "late@example.com", domain.ViewerRoleID)
	if res, body := owner.post("/a/"+w.AccA1.Slug+"/close", url.Values{"confirm": {w.AccA1.Name}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("close: %d\n%s", res.StatusCode, excerpt(body))
	}
	if _, st := invitationRow(t, e, w.AccA1.ID, "late@example.com"); st != "ended" || pendingCount(t, e, w.AccA1.ID) != 0 {
		t.Fatalf("invitation %s after closing, %d pending", st, pendingCount(t, e, w.AccA1.ID))
	}
	res, body := e.client().get(link)
	if res.StatusCode != http.StatusGone || !strings.Contains(body, w.AccA1.Name+" has been closed") || !strings.Contains(body, w.OwnerA.Email) {
		t.Fatalf("link after closing: %d", res.StatusCode)
	}
	e.exec(`UPDATE accounts SET status = 'active', closed_at = NULL WHERE id = $1`, w.AccA1.ID)
	if res, _ := e.client().get(link); res.StatusCode != http.StatusGone {
		t.Fatalf("link after reopening: %d, want 410", res.StatusCode)
	}
}

// TestInvitations_OtherTenantsIDsAre404: an invitation of another account cannot be
// resent or revoked by naming its id.
func TestInvitations_OtherTenantsIDsAre404(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ownerB := e.client()
	ownerB.login(w.OwnerB.Email, pgtest.Password)
	mustInvite(t, e, ownerB, w.AccB, "b-only@example.com", domain.ViewerRoleID)
	idB, _ := invitationRow(t, e, w.AccB.ID, "b-only@example.com")
	// Agency administers Alpha One (and is a viewer in Beta Main).
	admin := e.client()
	admin.login(w.Agency.Email, pgtest.Password)
	before := auditCount(t, e)
	for _, action := range []string{"resend", "revoke"} {
		if res, _ := admin.post(invitationAction(w.AccA1, idB, action), url.Values{}); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s another account's invitation: %d, want 404", action, res.StatusCode)
		}
	}
	if _, st := invitationRow(t, e, w.AccB.ID, "b-only@example.com"); st != "pending" || auditCount(t, e) != before ||
		mailCount(t, e, "b-only@example.com", "invitation_resend") != 0 {
		t.Fatal("another account's invitation changed")
	}
}
