package mail

import (
	"strings"
	"testing"
	"time"
)

func TestSecurityNotices(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	e := SecurityEvent{To: "jane@example.com", Name: "Jane <Doe>", At: at, IP: "203.0.113.7", ProfileURL: "https://atrium.test/profile/two-factor"}
	enrolled, disabled := TwoFactorEnrolled(e), TwoFactorDisabled(e)
	e.IP, e.By = "cli", "Atrium support (system)"
	reset := TwoFactorReset(e)
	for _, m := range []struct{ got, kind string }{
		{enrolled.Kind, KindTwoFactorEnrolled}, {disabled.Kind, KindTwoFactorDisabled}, {reset.Kind, KindTwoFactorReset},
	} {
		if m.got != m.kind {
			t.Errorf("kind %q, want %q", m.got, m.kind)
		}
	}
	if enrolled.To != "jane@example.com" || !strings.Contains(enrolled.Text, "1 March 2026, 09:30 UTC") ||
		!strings.Contains(enrolled.Text, "From address: 203.0.113.7") || !strings.Contains(enrolled.Text, "https://atrium.test/profile/two-factor") {
		t.Fatalf("enrolment notice:\n%s", enrolled.Text)
	}
	if strings.Contains(enrolled.HTML, "Jane <Doe>") || !strings.Contains(enrolled.HTML, "Jane &lt;Doe&gt;") {
		t.Fatal("the name is not escaped in the HTML part")
	}
	if !strings.Contains(reset.Text, "By: Atrium support (system)") || strings.Contains(reset.Text, "From address") {
		t.Fatalf("reset notice:\n%s", reset.Text)
	}
	if !strings.Contains(disabled.Subject, "off") || !strings.Contains(reset.Text, "did not make this change") {
		t.Fatal("subjects and footers")
	}
}
