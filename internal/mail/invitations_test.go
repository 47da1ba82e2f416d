package mail

import (
	"strings"
	"testing"
	"time"
)

// TestInvitation_SaysWhoWhatUntilWhen: the invitation names the inviter, account,
// organisation, role and expiry in both parts, quotes the personal message, carries
// the link, and a resend says the older link no longer works.
func TestInvitation_SaysWhoWhatUntilWhen(t *testing.T) {
	f := InvitationFacts{To: "jane@example.com", FirstName: "Jane", InviterName: "Ada Agency", InviterEmail: "ada@pixel.test",
		AccountID: 9, AccountName: "Northwind Retail", OrganisationName: "Northwind", RoleName: "Editor",
		Message: "See you soon", Link: "https://atrium.test/invitations/abc",
		ExpiresAt: time.Date(2030, 3, 4, 15, 30, 0, 0, time.UTC)}
	m := Invitation(f)
	for _, part := range []string{m.Text, m.HTML} {
		for _, want := range []string{"Ada Agency", "ada@pixel.test", "Northwind Retail", "Northwind", "Editor",
			"Monday 4 March 2030, 15:30 UTC", "See you soon", "https://atrium.test/invitations/abc", "Hello Jane"} {
			if !strings.Contains(part, want) {
				t.Errorf("part lacks %q", want)
			}
		}
	}
	if m.Kind != KindInvitation || m.To != "jane@example.com" || m.AccountID != 9 || !strings.Contains(m.Subject, "Ada Agency invited you to Northwind Retail") {
		t.Errorf("envelope: %s %s %d %q", m.Kind, m.To, m.AccountID, m.Subject)
	}
	if strings.Contains(m.Text, "no longer works") {
		t.Error("a first invitation speaks of an older link")
	}
	f.Resend, f.ResentBy = true, "owner@northwind.test"
	r := Invitation(f)
	if r.Kind != KindInvitationResend || !strings.HasPrefix(r.Subject, "Reminder: ") || !strings.Contains(r.Text, "no longer works") ||
		!strings.Contains(r.Text, "sent again by owner@northwind.test") {
		t.Errorf("resend: %s %q\n%s", r.Kind, r.Subject, r.Text)
	}
}

// TestAccessMessages_NameTheOutcome: the access-request messages name the account, the
// permission and the outcome, and quote the reason or note.
func TestAccessMessages_NameTheOutcome(t *testing.T) {
	req := AccessRequest(RequestFacts{To: "boss@x.test", ApproverName: "Boss", RequesterName: "Vic", RequesterEmail: "vic@x.test",
		RoleName: "Viewer", Permission: "Publish campaigns", Reason: "Launch day", AccountName: "Retail", ReviewLink: "https://atrium.test/a/retail/members"})
	if req.Kind != KindAccessRequest || !strings.Contains(req.Text, "Publish campaigns") || !strings.Contains(req.Text, "> Launch day") ||
		!strings.Contains(req.Text, "https://atrium.test/a/retail/members") {
		t.Errorf("request message:\n%s", req.Text)
	}
	yes := AccessDecision(DecisionFacts{To: "vic@x.test", Name: "Vic", DeciderName: "Boss", DeciderEmail: "boss@x.test",
		Permission: "Publish campaigns", AccountName: "Retail", Approved: true, NewRoleName: "Editor", AccountLink: "https://atrium.test/a/retail/"})
	no := AccessDecision(DecisionFacts{To: "vic@x.test", Name: "Vic", DeciderName: "Boss", DeciderEmail: "boss@x.test",
		Permission: "Publish campaigns", AccountName: "Retail", Note: "Not this quarter", AccountLink: "https://atrium.test/a/retail/"})
	if yes.Kind != KindAccessRequestApproved || !strings.Contains(yes.Text, "Your role is now Editor") {
		t.Errorf("approval:\n%s", yes.Text)
	}
	if no.Kind != KindAccessRequestDenied || !strings.Contains(no.Text, "> Not this quarter") || !strings.Contains(no.Subject, "declined") {
		t.Errorf("denial:\n%s", no.Text)
	}
}
