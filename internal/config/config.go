// Package config reads Atrium's configuration from the environment. It keeps no
// package state: run() builds one Config and passes it down.
package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Config is the whole runtime configuration.
type Config struct {
	DatabaseURL string // DATABASE_URL
	Addr        string // ATRIUM_ADDR, default ":8080"
	BaseURL     string // ATRIUM_BASE_URL, default "http://localhost:8080"
	SecretKey   []byte // ATRIUM_SECRET_KEY, 32 bytes hex; required unless Dev
	// DevSecretKey is true when ATRIUM_DEV is on and no ATRIUM_SECRET_KEY is set: the
	// caller then seals with the fixed, public development key.
	DevSecretKey bool
	SMTPURL      string        // SMTP_URL; empty means the dev mailbox
	MailFrom     string        // ATRIUM_MAIL_FROM
	Dev          bool          // ATRIUM_DEV: demo data and dev mailbox
	SessionLife  time.Duration // ATRIUM_SESSION_LIFETIME, absolute session lifetime, default 12h
	HashWorkers  int           // ATRIUM_HASH_WORKERS, concurrent password hashes, default 2
	HashImpl     string        // ATRIUM_HASH_IMPL, argon2id code: "fork" (default) or "xcrypto"; auth.ParseImpl checks it
}

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
		SessionLife: 12 * time.Hour,
		HashWorkers: 2,
	}
	c.Dev, _ = strconv.ParseBool(or(getenv("ATRIUM_DEV"), "false"))
	if c.DatabaseURL == "" {
		return c, errors.New("DATABASE_URL is not set (make run sets it for you)")
	}
	if v := getenv("ATRIUM_SESSION_LIFETIME"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("ATRIUM_SESSION_LIFETIME: %q is not a duration like 12h", v)
		}
		c.SessionLife = d
	}
	if v := getenv("ATRIUM_HASH_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return c, fmt.Errorf("ATRIUM_HASH_WORKERS: %q is not a positive number", v)
		}
		c.HashWorkers = n
	}
	if v := getenv("ATRIUM_SECRET_KEY"); v != "" {
		k, err := hex.DecodeString(v)
		if err != nil || len(k) != 32 {
			return c, errors.New("ATRIUM_SECRET_KEY must be 64 hex characters (32 bytes)")
		}
		c.SecretKey = k
	}
	if c.SecretKey == nil {
		if !c.Dev {
			return c, errors.New("ATRIUM_SECRET_KEY is not set: it must be 64 hex characters (32 random bytes, e.g. from " +
				"`openssl rand -hex 32`) and seals two-factor secrets at rest; keep it safe and the same on every instance " +
				"(ATRIUM_DEV=1 uses a fixed development key instead)")
		}
		c.DevSecretKey = true
	}
	return c, nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
