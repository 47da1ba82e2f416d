package auth

import (
	"bytes"
	"strings"
	"testing"
)

func TestRecoveryCodes(t *testing.T) {
	codes, hashes := NewRecoveryCodes()
	if len(codes) != RecoveryCodeCount || len(hashes) != RecoveryCodeCount {
		t.Fatalf("%d codes, %d hashes", len(codes), len(hashes))
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if len(c) != 19 || strings.Count(c, "-") != 3 || seen[c] {
			t.Fatalf("code %q: not four groups of four, or repeated", c)
		}
		seen[c] = true
		h, ok := HashRecoveryCode(c)
		if !ok || !bytes.Equal(h, hashes[i]) {
			t.Fatalf("code %q does not hash to its stored hash", c)
		}
		// Typing is forgiving: lower case, spaces, no hyphens.
		typed := strings.ToLower(strings.ReplaceAll(c, "-", " "))
		if h2, ok := HashRecoveryCode(typed); !ok || !bytes.Equal(h2, h) {
			t.Fatalf("%q typed as %q does not match", c, typed)
		}
	}
	if a, _ := HashRecoveryCode("O0IL-0000-0000-0000"); !bytes.Equal(a, mustHash(t, "0011-0000-0000-0000")) {
		t.Fatal("look-alike letters are not read as digits")
	}
	for _, bad := range []string{"", "0000-0000-0000", "0000-0000-0000-0000-0", "UUUU-0000-0000-0000", "ÄÄÄÄ-0000-0000-0000"} {
		if _, ok := HashRecoveryCode(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func mustHash(t *testing.T, s string) []byte {
	h, ok := HashRecoveryCode(s)
	if !ok {
		t.Fatalf("%q refused", s)
	}
	return h
}

func FuzzNormaliseRecoveryCode(f *testing.F) {
	for _, s := range []string{"7KQ2-M9XD-4RTA-0C8V", "7kq2 m9xd 4rta 0c8v", "", "\x00", "OIL0-0000-0000-0000", "ÿ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw, ok := NormaliseRecoveryCode(s)
		if !ok {
			return
		}
		if len(raw) != recoveryCodeLen || strings.Trim(raw, crockford) != "" {
			t.Fatalf("%q normalised to %q", s, raw)
		}
		if again, ok := NormaliseRecoveryCode(FormatRecoveryCode(raw)); !ok || again != raw {
			t.Fatalf("%q formatted does not normalise back", raw)
		}
	})
}
