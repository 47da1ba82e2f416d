package textin

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxEmailLen is the longest email address accepted, in bytes (RFC 5321's path limit
// less the angle brackets).
const MaxEmailLen = 254

// Email checks and normalises an email address: white space is trimmed from both ends
// and it is lower-cased. What remains must be one plain address (local@domain, the
// domain holding a dot) of at most MaxEmailLen bytes, without white space, control,
// invisible or bidirectional formatting characters anywhere; anything else gives
// ErrEmail, or ErrInvalidUTF8 for bytes that are not UTF-8. The result of Email is
// always accepted by Email unchanged.
func Email(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", ErrInvalidUTF8
	}
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > MaxEmailLen {
		return "", ErrEmail
	}
	for _, r := range s {
		if unicode.IsSpace(r) || IsLineBreakOrControl(r) || IsInvisible(r) || IsBidi(r) || r == utf8.RuneError {
			return "", ErrEmail
		}
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || !strings.Contains(s[at+1:], ".") {
		return "", ErrEmail
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s {
		return "", ErrEmail
	}
	return s, nil
}
