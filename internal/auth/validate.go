package auth

import (
	"strings"
	"unicode/utf8"
)

// MinPasswordLen and MaxPasswordLen bound new passwords (NIST SP 800-63B: at least 8,
// accept at least 64, no composition rules).
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

// commonPasswords is a short list of the passwords seen most often in breaches.
var commonPasswords = map[string]bool{
	"password": true, "password1": true, "password123": true, "12345678": true, "123456789": true,
	"1234567890": true, "qwertyuiop": true, "qwerty123": true, "iloveyou": true, "11111111": true,
	"00000000": true, "abc12345": true, "sunshine": true, "princess": true, "football": true,
	"baseball": true, "welcome1": true, "letmein1": true, "passw0rd": true, "trustno1": true,
	"superman": true, "starwars": true, "whatever": true, "computer": true, "1q2w3e4r": true,
	"qwerty12": true, "88888888": true, "87654321": true, "12341234": true, "asdfghjkl": true,
}

// CheckNewPassword returns a user-facing reason when password may not be used, or "".
func CheckNewPassword(password string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return "Use at least 8 characters; a longer passphrase is better."
	case n > MaxPasswordLen:
		return "Use at most 256 characters."
	case commonPasswords[strings.ToLower(password)]:
		return "That password is one of the most common ones; choose another."
	}
	return ""
}
