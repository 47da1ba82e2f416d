package config

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// testKey is a well-formed ATRIUM_SECRET_KEY, which every configuration outside
// development needs.
const testKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func TestFromEnv(t *testing.T) {
	const key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	c, err := FromEnv(env(map[string]string{"DATABASE_URL": "postgres://x", "ATRIUM_SECRET_KEY": key}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.BaseURL != "http://localhost:8080" || c.Secure() || c.SessionLife != 12*time.Hour || c.HashWorkers != 2 || c.Dev ||
		c.MailMaxAttempts != 8 || c.MailRescueAfter != 5*time.Minute || c.MailWorkers != 16 || c.MailPoll != 200*time.Millisecond ||
		len(c.SecretKey) != 32 || c.OlderSecretKeys != nil {
		t.Fatalf("defaults: %+v", c)
	}
	// In development without a key, the fixed development key is used (and said so).
	c, err = FromEnv(env(map[string]string{"DATABASE_URL": "postgres://x", "ATRIUM_DEV": "1"}))
	if err != nil || c.SecretKey != nil {
		t.Fatalf("dev without a key: %+v %v", c, err)
	}
	c, err = FromEnv(env(map[string]string{"DATABASE_URL": "postgres://x", "ATRIUM_BASE_URL": "https://atrium.example/",
		"ATRIUM_DEV": "1", "ATRIUM_SESSION_LIFETIME": "30m", "ATRIUM_HASH_WORKERS": "4", "ATRIUM_HASH_IMPL": "xcrypto",
		"ATRIUM_SECRET_KEY": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Secure() || c.BaseURL != "https://atrium.example" || !c.Dev || c.SessionLife != 30*time.Minute || c.HashWorkers != 4 || c.HashImpl != "xcrypto" || len(c.SecretKey) != 32 {
		t.Fatalf("set: %+v", c)
	}
	for name, bad := range map[string]map[string]string{
		"no database":  {},
		"bad lifetime": {"DATABASE_URL": "x", "ATRIUM_SESSION_LIFETIME": "soon"},
		"bad workers":  {"DATABASE_URL": "x", "ATRIUM_HASH_WORKERS": "0"},
		"short key":    {"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": "abcd"},
		"no attempts":  {"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey, "ATRIUM_MAIL_MAX_ATTEMPTS": "0"},
		"bad rescue":   {"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey, "ATRIUM_MAIL_RESCUE_AFTER": "10ms"},
		"no key":       {"DATABASE_URL": "x"},
		"not hex":      {"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"},
		"no workers":   {"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey, "ATRIUM_MAIL_WORKERS": "0"},
		"too many":     {"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey, "ATRIUM_MAIL_WORKERS": "257"},
		"fast poll":    {"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey, "ATRIUM_MAIL_POLL": "1ms"},
		"bad poll":     {"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey, "ATRIUM_MAIL_POLL": "often"},
	} {
		if _, err := FromEnv(env(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestFromEnv_OlderSecretKeys: ATRIUM_SECRET_KEY_OLD lists the keys ATRIUM_SECRET_KEY
// replaced, each written as it is; one malformed key refuses the configuration, naming
// which without repeating it.
func TestFromEnv_OlderSecretKeys(t *testing.T) {
	const old1 = "1111111111111111111111111111111111111111111111111111111111111111"
	const old2 = "2222222222222222222222222222222222222222222222222222222222222222"
	c, err := FromEnv(env(map[string]string{"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey, "ATRIUM_SECRET_KEY_OLD": old1 + ", " + old2 + ","}))
	if err != nil || len(c.OlderSecretKeys) != 2 || hex.EncodeToString(c.OlderSecretKeys[0]) != old1 ||
		hex.EncodeToString(c.OlderSecretKeys[1]) != old2 || hex.EncodeToString(c.SecretKey) != testKey {
		t.Fatalf("two older keys: %x %v", c.OlderSecretKeys, err)
	}
	for _, bad := range []string{old1 + ",abcd", old1 + ",zz" + old2[2:], old1 + "," + old2 + "22"} {
		_, err := FromEnv(env(map[string]string{"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey, "ATRIUM_SECRET_KEY_OLD": bad}))
		if err == nil || err.Error() != "ATRIUM_SECRET_KEY_OLD: key 2 must be 64 hex characters (32 bytes)" {
			t.Errorf("ATRIUM_SECRET_KEY_OLD=%s: %v", bad, err)
		}
	}
	// Older keys do not stand in for the current one.
	if _, err := FromEnv(env(map[string]string{"DATABASE_URL": "x", "ATRIUM_SECRET_KEY_OLD": old1})); err == nil ||
		!strings.Contains(err.Error(), "ATRIUM_SECRET_KEY is not set") {
		t.Fatalf("only an older key: %v", err)
	}
}

func TestFromEnv_TrustedProxies(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey, "ATRIUM_TRUSTED_PROXIES": " 10.0.0.0/8, 127.0.0.1 ,::1"}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.TrustedProxies {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "10.0.0.0/8 127.0.0.1/32 ::1/128" {
		t.Fatalf("trusted proxies: %v", got)
	}
	if _, err := FromEnv(env(map[string]string{"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey, "ATRIUM_TRUSTED_PROXIES": "proxy.example"})); err == nil {
		t.Fatal("a host name was accepted as a trusted proxy")
	}
}

// TestMailDelivery: development without SMTP reads mail in the dev mailbox; SMTP_URL
// closes it. (With neither there is no way to deliver: mail.TransportFor refuses.)
func TestMailDelivery(t *testing.T) {
	for _, tc := range []struct {
		smtp    string
		dev     bool
		mailbox bool
	}{
		{"", true, true},
		{"smtp://mail.test:587", true, false},
		{"smtp://mail.test:587", false, false},
		{"", false, false},
	} {
		c := Config{SMTPURL: tc.smtp, Dev: tc.dev}
		if c.DevMailbox() != tc.mailbox {
			t.Errorf("SMTP_URL=%q ATRIUM_DEV=%t: dev mailbox %t", tc.smtp, tc.dev, c.DevMailbox())
		}
	}
	c, err := FromEnv(env(map[string]string{"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey, "ATRIUM_MAIL_MAX_ATTEMPTS": "3", "ATRIUM_MAIL_RESCUE_AFTER": "4s",
		"ATRIUM_MAIL_WORKERS": "256", "ATRIUM_MAIL_POLL": "10ms"}))
	if err != nil || c.MailMaxAttempts != 3 || c.MailRescueAfter != 4*time.Second || c.MailWorkers != 256 || c.MailPoll != 10*time.Millisecond {
		t.Fatalf("mail settings: %+v %v", c, err)
	}
}

// TestFromEnv_BoundsNamed: a duration or number out of its bounds is refused by an
// error naming the variable, the value and the bounds; the bounds themselves are
// accepted.
func TestFromEnv_BoundsNamed(t *testing.T) {
	for _, tc := range []struct{ name, value, says string }{
		{"ATRIUM_SESSION_LIFETIME", "soon", `ATRIUM_SESSION_LIFETIME: "soon" is not a positive duration, like 12h`},
		{"ATRIUM_SESSION_LIFETIME", "0", `ATRIUM_SESSION_LIFETIME: "0" is not a positive duration, like 12h`},
		{"ATRIUM_INVITATION_TTL", "721h", `ATRIUM_INVITATION_TTL: "721h" is not a duration between 1h and 720h, like 168h`},
		{"ATRIUM_INVITATION_TTL", "59m", `ATRIUM_INVITATION_TTL: "59m" is not a duration between 1h and 720h, like 168h`},
		{"ATRIUM_HASH_WORKERS", "0", `ATRIUM_HASH_WORKERS: "0" is not a number of at least 1`},
		{"ATRIUM_MAIL_MAX_ATTEMPTS", "101", `ATRIUM_MAIL_MAX_ATTEMPTS: "101" is not a number from 1 to 100`},
		{"ATRIUM_MAIL_RESCUE_AFTER", "999ms", `ATRIUM_MAIL_RESCUE_AFTER: "999ms" is not a duration of at least 1s, like 5m`},
		{"ATRIUM_MAIL_WORKERS", "many", `ATRIUM_MAIL_WORKERS: "many" is not a number from 1 to 256`},
		{"ATRIUM_MAIL_POLL", "9ms", `ATRIUM_MAIL_POLL: "9ms" is not a duration of at least 10ms, like 1s`},
	} {
		_, err := FromEnv(env(map[string]string{"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey, tc.name: tc.value}))
		if err == nil || err.Error() != tc.says {
			t.Errorf("%s=%s: %v, want %q", tc.name, tc.value, err, tc.says)
		}
	}
	c, err := FromEnv(env(map[string]string{"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey, "ATRIUM_SESSION_LIFETIME": "1ns",
		"ATRIUM_INVITATION_TTL": "720h", "ATRIUM_HASH_WORKERS": "1", "ATRIUM_MAIL_MAX_ATTEMPTS": "100", "ATRIUM_MAIL_RESCUE_AFTER": "1s"}))
	if err != nil || c.SessionLife != 1 || c.InvitationTTL != 720*time.Hour || c.HashWorkers != 1 || c.MailMaxAttempts != 100 ||
		c.MailRescueAfter != time.Second {
		t.Fatalf("the bounds: %+v %v", c, err)
	}
	if c, err = FromEnv(env(map[string]string{"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey, "ATRIUM_INVITATION_TTL": "1h",
		"ATRIUM_MAIL_MAX_ATTEMPTS": "1"})); err != nil || c.InvitationTTL != time.Hour || c.MailMaxAttempts != 1 {
		t.Fatalf("the lower bounds: %+v %v", c, err)
	}
}

// TestFromEnv_InvitationTTL: invitations last 7 days unless ATRIUM_INVITATION_TTL says
// otherwise, between an hour and 30 days.
func TestFromEnv_InvitationTTL(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey}))
	if err != nil || c.InvitationTTL != 7*24*time.Hour {
		t.Fatalf("default invitation lifetime %v (%v), want 168h", c.InvitationTTL, err)
	}
	if c, err = FromEnv(env(map[string]string{"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey, "ATRIUM_INVITATION_TTL": "48h"})); err != nil || c.InvitationTTL != 48*time.Hour {
		t.Fatalf("ATRIUM_INVITATION_TTL=48h gives %v (%v)", c.InvitationTTL, err)
	}
	for _, bad := range []string{"soon", "0", "-1h", "30m", "721h"} {
		if _, err := FromEnv(env(map[string]string{"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey, "ATRIUM_INVITATION_TTL": bad})); err == nil {
			t.Errorf("ATRIUM_INVITATION_TTL=%q accepted", bad)
		}
	}
}

// TestFromEnv_SSOPrivateNetworks: identity providers are fetched from private
// networks only when configured, or in development (its provider is this server).
func TestFromEnv_SSOPrivateNetworks(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"ATRIUM_SSO_ALLOW_PRIVATE_NETWORKS": "0"}, false},
		{map[string]string{"ATRIUM_SSO_ALLOW_PRIVATE_NETWORKS": "1"}, true},
		{map[string]string{"ATRIUM_DEV": "1"}, true},
	} {
		tc.env["DATABASE_URL"], tc.env["ATRIUM_SECRET_KEY"] = "postgres://x", testKey
		c, err := FromEnv(env(tc.env))
		if err != nil || c.SSOPrivateNetworks() != tc.want {
			t.Errorf("%v: private networks %v (%v), want %v", tc.env, c.SSOPrivateNetworks(), err, tc.want)
		}
	}
	if _, err := FromEnv(env(map[string]string{"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": testKey, "ATRIUM_SSO_ALLOW_PRIVATE_NETWORKS": "maybe"})); err == nil {
		t.Error("ATRIUM_SSO_ALLOW_PRIVATE_NETWORKS=maybe accepted")
	}
}
