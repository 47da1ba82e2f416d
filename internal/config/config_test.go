package config

import (
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnv(t *testing.T) {
	const key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	c, err := FromEnv(env(map[string]string{"DATABASE_URL": "postgres://x", "ATRIUM_SECRET_KEY": key}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.BaseURL != "http://localhost:8080" || c.Secure() || c.SessionLife != 12*time.Hour || c.HashWorkers != 2 || c.Dev ||
		c.DevSecretKey || len(c.SecretKey) != 32 {
		t.Fatalf("defaults: %+v", c)
	}
	// In development without a key, the fixed development key is used (and said so).
	c, err = FromEnv(env(map[string]string{"DATABASE_URL": "postgres://x", "ATRIUM_DEV": "1"}))
	if err != nil || !c.DevSecretKey || c.SecretKey != nil {
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
		"no key":       {"DATABASE_URL": "x"},
		"not hex":      {"DATABASE_URL": "x", "ATRIUM_SECRET_KEY": "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"},
	} {
		if _, err := FromEnv(env(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
