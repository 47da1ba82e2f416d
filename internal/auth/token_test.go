package auth

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestTokenWellFormed(t *testing.T) {
	for range 100 {
		if tok, _ := NewToken(); !TokenWellFormed(tok) {
			t.Fatalf("a new token %q is not well formed", tok)
		}
	}
	for _, bad := range []string{"", "not-a-token", strings.Repeat("A", 42), strings.Repeat("A", 44),
		strings.Repeat("A", 42) + "+", strings.Repeat("A", 42) + "/", strings.Repeat("A", 42) + "=",
		strings.Repeat("A", 42) + "B", // not canonical: the last character's spare bits are set
		strings.Repeat("A", 41) + "\x00A", strings.Repeat("é", 21) + "A",
		// Decoding skips newlines; with one among 43 characters, 32 bytes cannot come out.
		strings.Repeat("A", 21) + "\n" + strings.Repeat("A", 21), strings.Repeat("A", 42) + "\r"} {
		if TokenWellFormed(bad) {
			t.Errorf("TokenWellFormed(%q) = true", bad)
		}
	}
}

func FuzzTokenWellFormed(f *testing.F) {
	tok, _ := NewToken()
	for _, s := range []string{tok, "", "not-a-token", strings.Repeat("A", 43), strings.Repeat("_", 43), strings.Repeat("A", 42) + "B",
		strings.Repeat("A", 42) + "=", "\x00", "\xed\xa0\x80", strings.Repeat("é", 22), "'; DROP TABLE users;--"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !TokenWellFormed(s) {
			return
		}
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(b) != 32 || base64.RawURLEncoding.EncodeToString(b) != s {
			t.Fatalf("accepted %q, which NewToken cannot make", s)
		}
	})
}
