package store_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"atrium/internal/pgtest"
	"atrium/internal/store"
)

func TestLoginFailures_CountAndForget(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	for range 3 {
		reserve(t, s, "a@x.test", "ip:10.0.0.1")
	}
	reserve(t, s, "b@x.test", "")
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

// reserve counts one attempt for email (key "email:"+email) and ipKey.
func reserve(t *testing.T, s *store.Store, email, ipKey string) {
	t.Helper()
	att, _, err := s.BeginSignInAttempt(context.Background(), email, "email:"+email, ipKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := att.Reserve(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func failures(t *testing.T, s *store.Store, key string) int {
	t.Helper()
	var n int
	if err := s.Pool.QueryRow(context.Background(), `SELECT coalesce(sum(failures), 0) FROM login_throttles WHERE key = $1`, key).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSignInAttempt_WaitsForTheKeysAndSeesTheReservationBefore(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	first, f, err := s.BeginSignInAttempt(ctx, "a@x.test", "email:a@x.test", "ip:10.0.0.1")
	if err != nil || f.EmailFailures != 0 || f.IPFailures != 0 {
		t.Fatalf("first attempt: %+v %v", f, err)
	}
	// A second attempt for the same email waits for the first to end...
	type begun struct {
		att *store.SignInAttempt
		f   store.SignInFacts
		err error
	}
	second := make(chan begun, 1)
	go func() {
		att, f, err := s.BeginSignInAttempt(ctx, "a@x.test", "email:a@x.test", "ip:10.0.0.2")
		second <- begun{att, f, err}
	}()
	var b *begun
	// Whatever happens, both attempts end before the pool closes (it waits for them).
	t.Cleanup(func() {
		first.Release(ctx)
		if b == nil {
			got := <-second
			b = &got
		}
		if b.att != nil {
			b.att.Release(ctx)
		}
	})
	for waiting := 0; waiting == 0; {
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-second:
			b = &got
			t.Fatalf("a second attempt for the email went ahead while the first held it: %+v %v", b.f, b.err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := first.Reserve(ctx); err != nil {
		t.Fatal(err)
	}
	// ...and then reads the failure the first reserved.
	got := <-second
	b = &got
	if b.err != nil || b.f.EmailFailures != 1 || b.f.EmailLastFailure.IsZero() || b.f.IPFailures != 0 {
		t.Fatalf("second attempt after the first reserved: %+v %v, want 1 email failure", b.f, b.err)
	}
	// Released, an attempt counts nothing; the address's count is its own.
	b.att.Release(ctx)
	if n := failures(t, s, "email:a@x.test"); n != 1 {
		t.Fatalf("email failures after a released attempt: %d, want 1", n)
	}
	if n := failures(t, s, "ip:10.0.0.1"); n != 1 {
		t.Fatalf("address failures after one reservation: %d, want 1", n)
	}
}

func TestSettleLoginAttempt_ForgetsEmailGivesBackAddress(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	for range 3 {
		reserve(t, s, "a@x.test", "ip:10.0.0.1")
	}
	reserve(t, s, "b@x.test", "ip:10.0.0.2")
	if err := s.SettleLoginAttempt(ctx, "email:a@x.test", "ip:10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if e, ip := failures(t, s, "email:a@x.test"), failures(t, s, "ip:10.0.0.1"); e != 0 || ip != 2 {
		t.Fatalf("after settling: email %d, address %d failures; want 0 and 2", e, ip)
	}
	// The last failure given back takes the row with it (failures stays above zero).
	if err := s.SettleLoginAttempt(ctx, "email:b@x.test", "ip:10.0.0.2"); err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM login_throttles WHERE key IN ('email:b@x.test', 'ip:10.0.0.2')`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("%d rows left after settling a single attempt (%v), want 0", rows, err)
	}
}
