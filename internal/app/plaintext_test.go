package app

import (
	"strings"
	"testing"

	"atrium/internal/domain"
)

// TestCleanMessage: a personal message, reason or note is short plain text: no links,
// markup, control or direction characters, at most 500 characters and 10 lines.
func TestCleanMessage(t *testing.T) {
	for in, want := range map[string]string{
		"  Welcome aboard!\r\nSee you Monday.  ": "Welcome aboard!\nSee you Monday.",
		"":                                       "",
		"Café ☕ at 9 — 2 < 3 and 5 > 4":          "Café ☕ at 9 — 2 < 3 and 5 > 4",
		"👩‍💻 team":                               "👩‍💻 team",
	} {
		got, err := cleanMessage("message", in)
		if err != nil || got != want {
			t.Errorf("cleanMessage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for name, in := range map[string]string{
		"https link":  "go to https://evil.test now",
		"bare domain": "visit www.evil.test",
		"mailto":      "write to mailto:x@evil.test",
		"tag":         "<script>alert(1)</script>",
		"closing tag": "hi </b>",
		"comment":     "<!-- x -->",
		"rtl":         "invoice\u202efdp.exe",
		"nul":         "a\x00b",
		"too long":    strings.Repeat("x", MessageMax+1),
		"many lines":  strings.Repeat("line\n", 10) + "last",
	} {
		if _, err := cleanMessage("message", in); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := cleanMessage("message", strings.Repeat("é", MessageMax)); err != nil {
		t.Errorf("500 characters of two bytes each refused: %v", err)
	}
}

// TestCleanPersonName: names in any script pass, trimmed; empty (when required),
// overlong, addresses, links and markup do not.
func TestCleanPersonName(t *testing.T) {
	for in, want := range map[string]string{"  Zoë   Ångström ": "Zoë Ångström", "李小龙": "李小龙", "O'Brien-Smith": "O'Brien-Smith"} {
		if got, err := cleanPersonName("first_name", in, 60, true); err != nil || got != want {
			t.Errorf("cleanPersonName(%q) = %q, %v", in, got, err)
		}
	}
	if got, err := cleanPersonName("last_name", " ", 60, false); err != nil || got != "" {
		t.Errorf("an optional empty name: %q, %v", got, err)
	}
	for _, bad := range []string{"", "www.evil.test", "x@evil.test", "http://x", "<b>", strings.Repeat("a", 61), "a\u202eb"} {
		if _, err := cleanPersonName("first_name", bad, 60, true); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
