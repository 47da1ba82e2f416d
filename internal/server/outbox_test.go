package server_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"atrium/internal/app"
	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

// outboxMail is one message written to mail_outbox, as the tests read it.
type outboxMail struct {
	ID                            int64
	Kind, To, Subject, Text, HTML string
	AccountID                     int64
}

// mails returns every message to address, oldest first.
func (e *env) mails(to string) []outboxMail {
	e.t.Helper()
	rows, err := e.Store.Pool.Query(context.Background(), `SELECT id, kind, to_address, subject, text_body, html_body,
		coalesce(account_id, 0) FROM mail_outbox WHERE to_address = $1 ORDER BY id`, to)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxMail
	for rows.Next() {
		var m outboxMail
		if err := rows.Scan(&m.ID, &m.Kind, &m.To, &m.Subject, &m.Text, &m.HTML, &m.AccountID); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// lastMail returns the newest message to address, failing the test when there is none.
func (e *env) lastMail(to string) outboxMail {
	e.t.Helper()
	ms := e.mails(to)
	if len(ms) == 0 {
		e.t.Fatalf("no message to %s in mail_outbox", to)
	}
	return ms[len(ms)-1]
}

var linkRE = regexp.MustCompile(`(/(?:reset-password|confirm-email|set-password)/[A-Za-z0-9_-]{43})\b`)

// link returns the path of the one-time link in m's text, failing the test when there
// is none or when the HTML part does not carry the same link.
func (e *env) link(m outboxMail) string {
	e.t.Helper()
	found := linkRE.FindStringSubmatch(m.Text)
	if found == nil {
		e.t.Fatalf("no one-time link in the %s message to %s:\n%s", m.Kind, m.To, m.Text)
	}
	if !regexp.MustCompile(`href="` + regexp.QuoteMeta(e.URL+found[1]) + `"`).MatchString(m.HTML) {
		e.t.Fatalf("the HTML part of the %s message lacks the link %s", m.Kind, found[1])
	}
	return found[1]
}

// resetToken stores a password-reset link for u the way the app does and returns its
// token.
func resetToken(t testing.TB, e *env, u domain.User) string {
	t.Helper()
	token, hash := auth.NewToken()
	got, err := e.Store.IssueResetToken(context.Background(), u.Email, hash, time.Now().Add(app.ResetTTL))
	if err != nil || got.ID != u.ID {
		t.Fatalf("issuing a reset link for %s: user %d (%v)", u.Email, got.ID, err)
	}
	return token
}

// emailChangeToken stores a pending change of u's email to a fresh address the way
// the app does and returns the token of its confirmation link.
func emailChangeToken(t testing.TB, e *env, u domain.User) string {
	t.Helper()
	token, hash := auth.NewToken()
	if _, err := e.Store.StartEmailChange(context.Background(), u.ID, u.Email, pgtest.Unique("moved")+"@moved.test", hash,
		time.Now().Add(app.EmailChangeTTL)); err != nil {
		t.Fatal(err)
	}
	return token
}

// count runs a SELECT count(*) … and returns its answer.
func (e *env) count(sql string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.Store.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}
