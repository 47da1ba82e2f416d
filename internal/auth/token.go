package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// NewToken returns a URL-safe token carrying 256 bits from crypto/rand and the SHA-256
// hash under which it is stored; the token itself is never stored.
func NewToken() (token string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// TokenLen is the length of every token NewToken makes: 32 bytes in unpadded
// base64url.
const TokenLen = 43

// TokenWellFormed reports whether s has the shape of a token NewToken makes: TokenLen
// characters of the base64url alphabet that decode, canonically, to 32 bytes. Anything
// else cannot be a token and is refused before the database is asked.
func TokenWellFormed(s string) bool {
	if len(s) != TokenLen {
		return false
	}
	// Strict decoding refuses characters outside the alphabet, padding, and spare bits
	// set in the last character. It skips newlines, but 32 bytes take all TokenLen
	// characters, so a newline among them leaves too few.
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == 32
}

// HashToken returns the SHA-256 hash of a token, as stored.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
