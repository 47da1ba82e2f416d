package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/pgtest"
)

// testKey is an ATRIUM_SECRET_KEY for tests.
const testKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func TestRun_StaffCLI(t *testing.T) {
	_, url := pgtest.New(t)
	env := map[string]string{"DATABASE_URL": url, "ATRIUM_BASE_URL": "http://127.0.0.1:9", "ATRIUM_SECRET_KEY": testKey}
	getenv := func(k string) string { return env[k] }
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), args, getenv, &out)
		return out.String(), err
	}
	if out, err := cli("staff", "create-org", "--name", "Umbrella Corp"); err != nil || !strings.Contains(out, "/org/umbrella-corp/") {
		t.Fatalf("create-org: %v %s", err, out)
	}
	if _, err := cli("staff", "create-org", "--name", "Umbrella Corp"); err == nil || !strings.Contains(err.Error(), "already uses") {
		t.Fatalf("duplicate create-org: %v", err)
	}
	out, err := cli("staff", "appoint-owner", "--org", "umbrella-corp", "--email", "alice@umbrella.test", "--name", "Alice")
	if err != nil || !strings.Contains(out, "a link to set their password was emailed to alice@umbrella.test") || strings.Contains(out, "set-password/") {
		t.Fatalf("appoint-owner: %v %s", err, out)
	}
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	// The link went to Alice, through the outbox, with the job that delivers it.
	var text string
	var jobs int
	if err := pool.QueryRow(context.Background(), `SELECT text_body, (SELECT count(*) FROM river_job WHERE kind = 'mail_send')
		FROM mail_outbox WHERE to_address = 'alice@umbrella.test'`).Scan(&text, &jobs); err != nil ||
		!regexp.MustCompile(`http://127\.0\.0\.1:9/set-password/[A-Za-z0-9_-]{43}`).MatchString(text) || jobs != 1 {
		t.Fatalf("Alice's set-password email: %v, %d jobs\n%s", err, jobs, text)
	}
	// Alice exists: the CLI shows who she is and wants her id confirmed.
	out, err = cli("staff", "create-account", "--org", "umbrella-corp", "--name", "Umbrella Labs", "--owner-email", "alice@umbrella.test")
	m := regexp.MustCompile(`--confirm-owner (\d+)`).FindStringSubmatch(fmt.Sprint(err))
	if err == nil || m == nil || !strings.Contains(out, "organisations: Umbrella Corp") || !strings.Contains(out, "own password: never set") {
		t.Fatalf("create-account for an existing user without confirming: %v %s", err, out)
	}
	out, err = cli("staff", "create-account", "--org", "umbrella-corp", "--name", "Umbrella Labs", "--owner-email", "alice@umbrella.test", "--confirm-owner", m[1])
	if err != nil || !strings.Contains(out, "/a/umbrella-labs/") || strings.Contains(out, "set-password") {
		t.Fatalf("create-account for an existing user: %v %s", err, out)
	}
	if _, err := cli("staff", "appoint-owner", "--org", "umbrella-corp", "--email", "alice@umbrella.test"); err == nil ||
		!strings.Contains(err.Error(), "--confirm-user "+m[1]) {
		t.Fatalf("appoint-owner for an existing user without confirming: %v", err)
	}
	if out, err := cli("staff", "disable-user", "--email", "alice@umbrella.test"); err != nil || !strings.Contains(out, "is disabled") {
		t.Fatalf("disable-user: %v %s", err, out)
	}
	if out, err := cli("staff", "show-user", "--email", "alice@umbrella.test"); err != nil || !strings.Contains(out, "disabled: true") {
		t.Fatalf("show-user: %v %s", err, out)
	}
	if out, err := cli("staff", "enable-user", "--email", "alice@umbrella.test"); err != nil || !strings.Contains(out, "can sign in again") {
		t.Fatalf("enable-user: %v %s", err, out)
	}
	// reset-2fa: a user without two-factor authentication is refused; one with it is
	// reset (audited, emailed).
	if _, err := cli("staff", "reset-2fa", "--email", "alice@umbrella.test"); err == nil || !strings.Contains(err.Error(), "has not set up") {
		t.Fatalf("reset-2fa for a user without 2FA: %v", err)
	}
	if out, err := cli("staff", "show-user", "--email", "alice@umbrella.test"); err != nil || !strings.Contains(out, "two-factor: off") {
		t.Fatalf("show-user before set-up: %v %s", err, out)
	}
	enrolPool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer enrolPool.Close()
	if _, err := enrolPool.Exec(context.Background(), `UPDATE users SET totp_secret = '\x01', totp_enrolled_at = now() WHERE email = 'alice@umbrella.test'`); err != nil {
		t.Fatal(err)
	}
	if out, err := cli("staff", "reset-2fa", "--email", "alice@umbrella.test"); err != nil || !strings.Contains(out, "is reset") {
		t.Fatalf("reset-2fa: %v %s", err, out)
	}
	var notices int
	if err := enrolPool.QueryRow(context.Background(), `SELECT count(*) FROM mail_outbox WHERE kind = 'security_2fa_reset'`).Scan(&notices); err != nil || notices != 1 {
		t.Fatalf("%d reset notices (%v), want 1", notices, err)
	}
	if _, err := cli("staff", "create-account", "--org", "nope", "--name", "X", "--owner-email", "a@b.test"); err == nil {
		t.Fatal("create-account in a missing organisation succeeded")
	}
	if _, err := pool.Exec(context.Background(), `INSERT INTO login_throttles (key, failures, last_failure_at)
		VALUES ('email:alice@umbrella.test', 100, now())`); err != nil {
		t.Fatal(err)
	}
	if out, err := cli("staff", "unlock-signin", "--email", "Alice@Umbrella.test"); err != nil || !strings.Contains(out, "unlocked for alice@umbrella.test") {
		t.Fatalf("unlock-signin: %v %s", err, out)
	}
	var left int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM login_throttles`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("unlock-signin left %d throttle rows (%v)", left, err)
	}
	if _, err := cli("staff", "unlock-signin"); err == nil {
		t.Fatal("unlock-signin without an email succeeded")
	}
	if out, err := cli("demo"); err != nil || !strings.Contains(out, "agency@pixel.test") {
		t.Fatalf("demo: %v %s", err, out)
	}
	if _, err := cli("demo"); err != nil {
		t.Fatalf("demo is not idempotent: %v", err)
	}
	if _, err := cli("bogus"); err == nil {
		t.Fatal("unknown command accepted")
	}
}

func TestRun_RejectsUnknownHashImpl(t *testing.T) {
	env := map[string]string{"DATABASE_URL": "postgres://127.0.0.1:9/none", "ATRIUM_HASH_IMPL": "x/crypto", "ATRIUM_SECRET_KEY": testKey}
	err := run(context.Background(), []string{"migrate"}, func(k string) string { return env[k] }, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "ATRIUM_HASH_IMPL") {
		t.Fatalf("unknown ATRIUM_HASH_IMPL: %v", err)
	}
}

// TestRun_RefusesToStartWithoutSecretKey: outside development Atrium without
// ATRIUM_SECRET_KEY refuses to start, saying why; in development it uses the fixed
// development key and says so.
func TestRun_RefusesToStartWithoutSecretKey(t *testing.T) {
	env := map[string]string{"DATABASE_URL": "postgres://127.0.0.1:9/none"}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "ATRIUM_SECRET_KEY is not set") {
		t.Fatalf("serve without a key: %v", err)
	}
	_, url := pgtest.New(t)
	dev := map[string]string{"DATABASE_URL": url, "ATRIUM_DEV": "1"}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, func(k string) string { return dev[k] }, &out); err != nil {
		t.Fatalf("development without a key: %v", err)
	}
	if !strings.Contains(out.String(), "fixed development key") {
		t.Fatalf("development does not say it uses the development key:\n%s", out.String())
	}
}
