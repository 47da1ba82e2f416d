package config

import (
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnv(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"DATABASE_URL": "postgres://x"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.BaseURL != "http://localhost:8080" || c.Secure() || c.SessionLife != 12*time.Hour || c.HashWorkers != 2 || c.Dev {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = FromEnv(env(map[string]string{"DATABASE_URL": "postgres://x", "ATRIUM_BASE_URL": "https://atrium.example/",
		"ATRIUM_DEV": "1", "ATRIUM_SESSION_LIFETIME": "30m", "ATRIUM_HASH_WORKERS": "4",
		"ATRIUM_SECRET_KEY": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Secure() || c.BaseURL != "https://atrium.example" || !c.Dev || c.SessionLife != 30*time.Minute || c.HashWorkers != 4 || len(c.SecretKey) != 32 {
		t.Fatalf("set: %+v", c)
	}
	for name, bad := range map[string]map[string]string{
		"no database":  {},
		"bad lifetime": {"DATABASE_URL": "x", "ATRIUM_SESSION_LIFETIME": "soon"},
		"bad workers":  {"DATABASE_URL": "x", "ATRIUM_HASH_WORKERS": "0"},
		"short key":    {"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": "abcd"},
	} {
		if _, err := FromEnv(env(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestFromEnv_InvitationTTL: invitations last 7 days unless ATRIUM_INVITATION_TTL says
// otherwise, between an hour and 30 days.
func TestFromEnv_InvitationTTL(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"DATABASE_URL": "x"}))
	if err != nil || c.InvitationTTL != 7*24*time.Hour {
		t.Fatalf("default invitation lifetime %v (%v), want 168h", c.InvitationTTL, err)
	}
	if c, err = FromEnv(env(map[string]string{"DATABASE_URL": "x", "ATRIUM_INVITATION_TTL": "48h"})); err != nil || c.InvitationTTL != 48*time.Hour {
		t.Fatalf("ATRIUM_INVITATION_TTL=48h gives %v (%v)", c.InvitationTTL, err)
	}
	for _, bad := range []string{"soon", "0", "-1h", "30m", "721h"} {
		if _, err := FromEnv(env(map[string]string{"DATABASE_URL": "x", "ATRIUM_INVITATION_TTL": bad})); err == nil {
			t.Errorf("ATRIUM_INVITATION_TTL=%q accepted", bad)
		}
	}
}
