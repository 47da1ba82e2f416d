// Package config reads Atrium's configuration from the environment. It keeps no
// package state: run() builds one Config and passes it down.
package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Config is the whole runtime configuration.
type Config struct {
	DatabaseURL string // DATABASE_URL
	Addr        string // ATRIUM_ADDR, default ":8080"
	BaseURL     string // ATRIUM_BASE_URL, default "http://localhost:8080"
	// SecretKey (ATRIUM_SECRET_KEY, 32 bytes as 64 hex characters) seals secrets at
	// rest. It is required unless Dev, and nil only in development without it: the
	// caller then seals with the fixed, public development key.
	SecretKey []byte
	// OlderSecretKeys (ATRIUM_SECRET_KEY_OLD, comma-separated, each written as
	// ATRIUM_SECRET_KEY is) are keys SecretKey replaced: what they sealed still opens,
	// nothing new is sealed with them.
	OlderSecretKeys [][]byte
	SMTPURL         string        // SMTP_URL; empty means the dev mailbox
	MailFrom        string        // ATRIUM_MAIL_FROM
	Dev             bool          // ATRIUM_DEV: demo data and dev mailbox
	SessionLife     time.Duration // ATRIUM_SESSION_LIFETIME, absolute session lifetime, default 12h
	HashWorkers     int           // ATRIUM_HASH_WORKERS, concurrent password hashes, default 2
	// TrustedProxies (ATRIUM_TRUSTED_PROXIES: addresses or CIDR ranges, comma-separated)
	// are the reverse proxies whose X-Forwarded-For names the client; nobody else's is read.
	TrustedProxies []netip.Prefix
	// MetricsAddr (ATRIUM_METRICS_ADDR, e.g. 127.0.0.1:9090) is where /metrics is served,
	// apart from the public listener; empty: no metrics.
	MetricsAddr string
	HashImpl    string // ATRIUM_HASH_IMPL, argon2id code: "fork" (default) or "xcrypto"; auth.ParseImpl checks it
	// MailMaxAttempts (ATRIUM_MAIL_MAX_ATTEMPTS, default DefaultMailMaxAttempts, at most
	// 100) is how many times a message is tried before it is listed as failed in the
	// staff console.
	MailMaxAttempts int
	// MailRescueAfter (ATRIUM_MAIL_RESCUE_AFTER, default DefaultMailRescueAfter, at least
	// 1s) is how long a delivery may run before it is taken for dead (its process
	// killed) and retried.
	MailRescueAfter time.Duration
	// MailWorkers (ATRIUM_MAIL_WORKERS, default DefaultMailWorkers, at most 256) is how
	// many messages one process sends at once, each over its own SMTP connection.
	MailWorkers int
	// MailPoll (ATRIUM_MAIL_POLL, default DefaultMailPoll, at least 10ms) is how often
	// idle delivery workers look for new messages.
	MailPoll time.Duration
	// InvitationTTL is how long an invitation link works: ATRIUM_INVITATION_TTL,
	// default 168h (7 days), at most 720h (30 days).
	InvitationTTL time.Duration
	// SSOAllowPrivateNetworks (ATRIUM_SSO_ALLOW_PRIVATE_NETWORKS=1) lets the identity
	// providers of SSO connections be fetched from private networks (loopback, RFC 1918,
	// link-local …), refused otherwise; see SSOPrivateNetworks.
	SSOAllowPrivateNetworks bool
}

// Defaults of email delivery (the mail package's Delivery falls back to the same
// values for fields left zero).
const (
	DefaultMailMaxAttempts = 8
	DefaultMailRescueAfter = 5 * time.Minute
	DefaultMailWorkers     = 16
	DefaultMailPoll        = 200 * time.Millisecond
)

// SSOPrivateNetworks reports whether identity providers may be fetched from private
// networks: when configured, and in development, whose identity provider is served by
// this very process (/dev/idp).
func (c Config) SSOPrivateNetworks() bool { return c.SSOAllowPrivateNetworks || c.Dev }

// DevMailbox reports whether email goes to the development mailbox (/dev/mail): in
// development, with no SMTP server configured.
func (c Config) DevMailbox() bool { return c.Dev && c.SMTPURL == "" }

// Secure reports whether the app is served over https (cookies get Secure and __Host-).
func (c Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// FromEnv builds a Config from getenv.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL: getenv("DATABASE_URL"),
		Addr:        or(getenv("ATRIUM_ADDR"), ":8080"),
		BaseURL:     strings.TrimSuffix(or(getenv("ATRIUM_BASE_URL"), "http://localhost:8080"), "/"),
		SMTPURL:     getenv("SMTP_URL"),
		HashImpl:    getenv("ATRIUM_HASH_IMPL"),
		MailFrom:    or(getenv("ATRIUM_MAIL_FROM"), "Atrium <no-reply@atrium.test>"),
		MetricsAddr: getenv("ATRIUM_METRICS_ADDR"),
		SessionLife: 12 * time.Hour,
		HashWorkers: 2,

		InvitationTTL: 7 * 24 * time.Hour,

		MailMaxAttempts: DefaultMailMaxAttempts,
		MailRescueAfter: DefaultMailRescueAfter,
		MailWorkers:     DefaultMailWorkers,
		MailPoll:        DefaultMailPoll,
	}
	c.Dev, _ = strconv.ParseBool(or(getenv("ATRIUM_DEV"), "false"))
	if v := getenv("ATRIUM_SSO_ALLOW_PRIVATE_NETWORKS"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("ATRIUM_SSO_ALLOW_PRIVATE_NETWORKS: %q is not 1 or 0", v)
		}
		c.SSOAllowPrivateNetworks = b
	}
	if c.DatabaseURL == "" {
		return c, errors.New("DATABASE_URL is not set (make run sets it for you)")
	}
	if err := errors.Join(
		durationEnv(getenv, "ATRIUM_SESSION_LIFETIME", &c.SessionLife, time.Nanosecond, 0, "12h"),
		durationEnv(getenv, "ATRIUM_INVITATION_TTL", &c.InvitationTTL, time.Hour, 30*24*time.Hour, "168h"),
		intEnv(getenv, "ATRIUM_HASH_WORKERS", &c.HashWorkers, 1, 0),
		intEnv(getenv, "ATRIUM_MAIL_MAX_ATTEMPTS", &c.MailMaxAttempts, 1, 100),
		durationEnv(getenv, "ATRIUM_MAIL_RESCUE_AFTER", &c.MailRescueAfter, time.Second, 0, "5m"),
		intEnv(getenv, "ATRIUM_MAIL_WORKERS", &c.MailWorkers, 1, 256),
		durationEnv(getenv, "ATRIUM_MAIL_POLL", &c.MailPoll, 10*time.Millisecond, 0, "1s"),
	); err != nil {
		return c, err
	}
	for _, v := range strings.Split(getenv("ATRIUM_TRUSTED_PROXIES"), ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				return c, fmt.Errorf("ATRIUM_TRUSTED_PROXIES: %q is neither an address nor a CIDR range", v)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked())
	}
	if v := getenv("ATRIUM_SECRET_KEY"); v != "" {
		k, err := secretKey(v)
		if err != nil {
			return c, fmt.Errorf("ATRIUM_SECRET_KEY %w", err)
		}
		c.SecretKey = k
	}
	if v := getenv("ATRIUM_SECRET_KEY_OLD"); v != "" {
		for i, v := range strings.Split(v, ",") {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			k, err := secretKey(v)
			if err != nil {
				return c, fmt.Errorf("ATRIUM_SECRET_KEY_OLD: key %d %w", i+1, err)
			}
			c.OlderSecretKeys = append(c.OlderSecretKeys, k)
		}
	}
	if c.SecretKey == nil && !c.Dev {
		return c, errors.New("ATRIUM_SECRET_KEY is not set: it must be 64 hex characters (32 random bytes, e.g. from " +
			"`openssl rand -hex 32`) and seals secrets at rest (TOTP secrets, SSO client secrets and SAML service-provider " +
			"keys); keep it safe and the same on every instance (ATRIUM_DEV=1 uses a fixed development key instead)")
	}
	return c, nil
}

// secretKey decodes a secret key written as 64 hex characters. Its error, which never
// repeats the value, completes a sentence naming the variable.
func secretKey(v string) ([]byte, error) {
	k, err := hex.DecodeString(v)
	if err != nil || len(k) != 32 {
		return nil, errors.New("must be 64 hex characters (32 bytes)")
	}
	return k, nil
}

// durationEnv sets *dst from the variable name, when it is set, to a duration from lo
// to hi (hi 0: no upper bound); like is an example in the error, which names the
// variable and the bounds.
func durationEnv(getenv func(string) string, name string, dst *time.Duration, lo, hi time.Duration, like string) error {
	v := getenv(name)
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err == nil && d >= lo && (hi == 0 || d <= hi) {
		*dst = d
		return nil
	}
	want := "a positive duration"
	switch {
	case hi != 0:
		want = "a duration between " + shortDuration(lo) + " and " + shortDuration(hi)
	case lo > time.Nanosecond:
		want = "a duration of at least " + shortDuration(lo)
	}
	return fmt.Errorf("%s: %q is not %s, like %s", name, v, want, like)
}

// shortDuration writes d without zero minutes and seconds: 1h, 5m, 10ms.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// intEnv sets *dst from the variable name, when it is set, to a whole number from lo
// to hi (hi 0: no upper bound); the error names the variable and the bounds.
func intEnv(getenv func(string) string, name string, dst *int, lo, hi int) error {
	v := getenv(name)
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err == nil && n >= lo && (hi == 0 || n <= hi) {
		*dst = n
		return nil
	}
	want := fmt.Sprintf("a number of at least %d", lo)
	if hi != 0 {
		want = fmt.Sprintf("a number from %d to %d", lo, hi)
	}
	return fmt.Errorf("%s: %q is not %s", name, v, want)
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
