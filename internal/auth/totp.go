package auth

import (
	"bytes"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP (RFC 6238) as authenticator apps speak it: SHA-1, six digits, 30-second steps.
// A code is accepted for the current step and one step either side (clock skew); which
// step matched is returned, so the caller can refuse a step already used (each code
// works once).

const (
	// TOTPPeriod is the length of one time step.
	TOTPPeriod = 30 * time.Second
	// TOTPDigits is the length of a code.
	TOTPDigits = 6
	// TOTPSkew is how many steps either side of the current one are accepted.
	TOTPSkew = 1
	// totpSecretBytes is the secret's size: 160 bits, as RFC 4226 recommends.
	totpSecretBytes = 20
	// TOTPIssuer names Atrium in authenticator apps.
	TOTPIssuer = "Atrium"
)

var totpOpts = totp.ValidateOpts{Period: uint(TOTPPeriod / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewTOTPKey makes a new random secret for account (the user's email, shown in the
// authenticator app), returning the secret (base32, no padding) and the otpauth://
// URL that a QR code carries.
func NewTOTPKey(account string) (secret, url string, err error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: account, SecretSize: totpSecretBytes,
		Period: uint(TOTPPeriod / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", "", err
	}
	return k.Secret(), k.URL(), nil
}

// TOTPURL is the otpauth:// URL of an existing secret for account.
func TOTPURL(secret, account string) (string, error) {
	raw, err := b32.DecodeString(strings.ToUpper(secret))
	if err != nil || len(raw) == 0 {
		return "", errors.New("auth: not a TOTP secret")
	}
	k, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: account, Secret: raw,
		Period: uint(TOTPPeriod / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", err
	}
	return k.URL(), nil
}

// TOTPQRCode renders url as a QR code, a PNG in a data: URL (the CSP allows img-src
// data:), size pixels square.
func TOTPQRCode(url string, size int) (string, error) {
	k, err := otp.NewKeyFromURL(url)
	if err != nil {
		return "", err
	}
	img, err := k.Image(size, size)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes()), nil
}

// TOTPStep is the time step t falls in.
func TOTPStep(t time.Time) int64 { return t.Unix() / int64(TOTPPeriod/time.Second) }

// TOTPCode is the code of secret for the step t falls in (tests and the bench compute
// codes with it; the server only checks them).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// MatchTOTP returns the time step whose code is code, among the step now falls in and
// TOTPSkew steps either side, or 0 when none matches (or the secret is unusable).
// code must already be normalised (NormaliseTOTPCode). Every candidate is compared in
// constant time.
func MatchTOTP(secret, code string, now time.Time) int64 {
	if len(code) != TOTPDigits {
		return 0
	}
	cur := TOTPStep(now)
	var match int64
	for d := int64(-TOTPSkew); d <= TOTPSkew; d++ {
		step := cur + d
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*int64(TOTPPeriod/time.Second), 0), totpOpts)
		if err != nil {
			return 0
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && step > match {
			match = step
		}
	}
	return match
}

// NormaliseTOTPCode returns the six digits typed as a code, spaces and hyphens
// dropped, or false when what was typed is not six ASCII digits.
func NormaliseTOTPCode(s string) (string, bool) {
	if len(s) > 32 {
		return "", false
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-':
		default:
			return "", false
		}
	}
	if b.Len() != TOTPDigits {
		return "", false
	}
	return b.String(), true
}

// FormatTOTPSecret groups a secret in fours for typing it by hand.
func FormatTOTPSecret(secret string) string {
	var b strings.Builder
	for i, r := range secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)
