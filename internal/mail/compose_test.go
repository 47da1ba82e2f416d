package mail

import (
	"strings"
	"testing"
)

// TestCompose_TextAndHTMLSayTheSameAndEscape: both parts carry every piece of content;
// the HTML part escapes what people typed, and only https/http links become buttons.
func TestCompose_TextAndHTMLSayTheSameAndEscape(t *testing.T) {
	c := Content{Heading: "Jane invited you", Paragraphs: []string{"Join <Globex> & co."},
		Quote: "See you <script>alert(1)</script>", QuoteBy: "Jane", ActionLabel: "Accept", ActionURL: "https://atrium.test/invitations/abc",
		Facts: []Fact{{"Role", "Editor"}}, Footer: "You got this because…"}
	m := Compose("invitation", "x@y.test", "Subject", 7, c)
	for _, want := range []string{"Jane invited you", "Join <Globex> & co.", "> See you <script>alert(1)</script>", "Role: Editor",
		"https://atrium.test/invitations/abc", "You got this because…"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;") || !strings.Contains(m.HTML, "Join &lt;Globex&gt; &amp; co.") {
		t.Error("the HTML part does not escape what people typed")
	}
	if !strings.Contains(m.HTML, `href="https://atrium.test/invitations/abc"`) || strings.Contains(m.HTML, "<img") {
		t.Error("the HTML part lacks the link, or carries an image")
	}
	if bad := Compose("k", "x@y.test", "s", 0, Content{ActionLabel: "Go", ActionURL: "javascript:alert(1)"}); strings.Contains(bad.HTML, "javascript:") {
		t.Error("a javascript: link reached the HTML part")
	}
	if m.Kind != "invitation" || m.AccountID != 7 || m.To != "x@y.test" {
		t.Errorf("envelope: %+v", m)
	}
}
