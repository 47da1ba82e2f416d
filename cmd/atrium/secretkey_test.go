package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/app"
	"atrium/internal/config"
	"atrium/internal/store"
)

// appFrom builds the app as run does from env (with testKey unless env names a key).
// Sealing and opening reach no database: the pool never connects.
func appFrom(t *testing.T, env map[string]string) *app.App {
	t.Helper()
	env["DATABASE_URL"] = "postgres://127.0.0.1:9/none"
	cfg, err := config.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(context.Background(), cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	a, err := newApp(cfg, store.New(pool), nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestNewApp_SecretKeyRotation: with a new ATRIUM_SECRET_KEY and the old one among
// ATRIUM_SECRET_KEY_OLD, what the old key sealed (here a TOTP set-up) still opens,
// and new values are sealed with the new key, which open without the old; what a key
// the server was not given sealed does not open, nor the old key's once it is dropped.
func TestNewApp_SecretKeyRotation(t *testing.T) {
	const (
		oldKey   = "1111111111111111111111111111111111111111111111111111111111111111"
		newKey   = "2222222222222222222222222222222222222222222222222222222222222222"
		otherOld = "3333333333333333333333333333333333333333333333333333333333333333"
		unknown  = "4444444444444444444444444444444444444444444444444444444444444444"
	)
	const user, email = 42, "ann@example.com"
	keys := map[string]string{} // the secret each sealed value holds
	seal := func(a *app.App) []byte {
		t.Helper()
		sealed, e, err := a.NewEnrolment(user, email)
		if err != nil {
			t.Fatal(err)
		}
		keys[string(sealed)] = e.Key
		return sealed
	}
	opens := func(a *app.App, sealed []byte) bool {
		t.Helper()
		e, err := a.EnrolmentOf(user, email, sealed)
		if err != nil {
			if !strings.Contains(err.Error(), "expired") {
				t.Fatalf("opening: %v", err)
			}
			return false
		}
		if e.Key != keys[string(sealed)] {
			t.Fatalf("opened to %q, sealed %q", e.Key, keys[string(sealed)])
		}
		return true
	}
	sealedOld := seal(appFrom(t, map[string]string{"ATRIUM_SECRET_KEY": oldKey}))
	rotated := appFrom(t, map[string]string{"ATRIUM_SECRET_KEY": newKey, "ATRIUM_SECRET_KEY_OLD": otherOld + "," + oldKey})
	if !opens(rotated, sealedOld) {
		t.Fatal("after rotation, what the old key sealed does not open")
	}
	sealedNew := seal(rotated)
	newOnly := appFrom(t, map[string]string{"ATRIUM_SECRET_KEY": newKey})
	if !opens(newOnly, sealedNew) {
		t.Fatal("what the rotated server sealed does not open with the new key alone")
	}
	if opens(newOnly, sealedOld) {
		t.Fatal("the old key's value opens without the old key")
	}
	if opens(rotated, seal(appFrom(t, map[string]string{"ATRIUM_SECRET_KEY": unknown}))) {
		t.Fatal("a value sealed with a key the server was not given opens")
	}
}
