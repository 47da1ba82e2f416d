package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"strings"
)

// Recovery codes stand in for an authenticator code when the device is lost. Each is
// 16 characters of Crockford's base32 (80 random bits), shown in groups of four
// ("7KQ2-M9XD-4RTA-0C8V"); only a SHA-256 hash is stored, which the bits make safe
// without a slow hash. Typing is forgiving: case, spaces and hyphens do not matter, and
// O, I and L read as 0, 1 and 1.

const (
	// RecoveryCodeCount is how many codes a user gets at a time.
	RecoveryCodeCount = 10
	recoveryCodeLen   = 16
	crockford         = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)

// NewRecoveryCodes returns RecoveryCodeCount new codes, formatted for reading, and
// their hashes (in the same order).
func NewRecoveryCodes() (codes []string, hashes [][]byte) {
	for range RecoveryCodeCount {
		b := make([]byte, recoveryCodeLen)
		if _, err := rand.Read(b); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		raw := make([]byte, recoveryCodeLen)
		for i, v := range b {
			raw[i] = crockford[v&31] // 256 is a multiple of 32: no bias
		}
		codes = append(codes, FormatRecoveryCode(string(raw)))
		hashes = append(hashes, hashRecovery(string(raw)))
	}
	return codes, hashes
}

// FormatRecoveryCode groups a normalised code in fours.
func FormatRecoveryCode(raw string) string {
	var parts []string
	for i := 0; i < len(raw); i += 4 {
		parts = append(parts, raw[i:min(i+4, len(raw))])
	}
	return strings.Join(parts, "-")
}

// NormaliseRecoveryCode returns the code typed, upper-cased, without spaces or
// hyphens and with look-alike letters read as digits, or false when it cannot be a
// recovery code (wrong length, a character outside the alphabet).
func NormaliseRecoveryCode(s string) (string, bool) {
	if len(s) > 64 {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		case r > 127 || !strings.ContainsRune(crockford, r):
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != recoveryCodeLen {
		return "", false
	}
	return b.String(), true
}

// HashRecoveryCode returns the stored hash of a typed code, or false when it cannot be
// a recovery code.
func HashRecoveryCode(typed string) ([]byte, bool) {
	raw, ok := NormaliseRecoveryCode(typed)
	if !ok {
		return nil, false
	}
	return hashRecovery(raw), true
}

func hashRecovery(raw string) []byte {
	h := sha256.Sum256([]byte("atrium-recovery:" + raw))
	return h[:]
}
