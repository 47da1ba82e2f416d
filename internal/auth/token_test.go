package auth

import (
	"strings"
	"testing"
)

// TestWellFormedToken: every token NewToken makes is well formed and carries 256 bits;
// anything of another length or alphabet is not.
func TestWellFormedToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, hash := NewToken()
		if !WellFormedToken(tok) || len(hash) != 32 || seen[tok] {
			t.Fatalf("NewToken gave %q (hash %d bytes), not well formed or repeated", tok, len(hash))
		}
		seen[tok] = true
	}
	good := strings.Repeat("aZ0-_", 8) + "abc"
	if !WellFormedToken(good) {
		t.Fatalf("%q refused", good)
	}
	for _, bad := range []string{"", good[:42], good + "a", good[:42] + ".", good[:42] + "=", good[:42] + "/", good[:42] + "+",
		good[:41] + "é", good[:42] + " ", good[:42] + "\x00"} {
		if WellFormedToken(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}
