package store_test

import (
	"context"
	"sort"
	"testing"

	"atrium/internal/pgtest"
	"atrium/internal/store"
)

func TestLoginFailures_CountAndForget(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	for range 3 {
		if err := s.RecordLoginFailure(ctx, "email:a@x.test", "ip:10.0.0.1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordLoginFailure(ctx, "email:b@x.test", ""); err != nil {
		t.Fatal(err)
	}
	f, err := s.SignInFacts(ctx, "a@x.test", "email:a@x.test", "ip:10.0.0.1")
	if err != nil || f.User.ID != 0 || f.EmailFailures != 3 || f.IPFailures != 3 || f.EmailLastFailure.IsZero() {
		t.Fatalf("facts for an unknown email: %+v %v", f, err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO login_throttles (key, failures, last_failure_at) VALUES
		('email:old@x.test', 4, now() - interval '31 days'),
		('email:suspended@x.test', 100, now() - interval '90 days'),
		('ip:10.0.0.9', 7, now() - interval '2 hours')`); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteStaleLoginFailures(ctx, 100)
	if err != nil || n != 2 {
		t.Fatalf("stale rows deleted: %d (%v), want 2", n, err)
	}
	rows, err := pool.Query(ctx, `SELECT key FROM login_throttles`)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for rows.Next() {
		var k string
		_ = rows.Scan(&k)
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"email:a@x.test", "email:b@x.test", "email:suspended@x.test", "ip:10.0.0.1"}
	if len(keys) != len(want) {
		t.Fatalf("left %v, want %v", keys, want)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Fatalf("left %v, want %v", keys, want)
		}
	}
	if err := s.ClearLoginFailures(ctx, "email:a@x.test"); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.SignInFacts(ctx, "a@x.test", "email:a@x.test", "ip:10.0.0.1"); f.EmailFailures != 0 || f.IPFailures != 3 {
		t.Fatalf("after clearing the email: %d email, %d address failures; want 0 and 3", f.EmailFailures, f.IPFailures)
	}
}
