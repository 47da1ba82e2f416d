package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"atrium/internal/pgtest"
)

// TestLogs_NeverCarryRecoveryTokens: the server's log, through a password reset and an
// email change, names the reset and confirmation links' paths without their tokens.
func TestLogs_NeverCarryRecoveryTokens(t *testing.T) {
	logs := &logBuffer{}
	e := newEnv(t, logs)
	w := e.world()
	reset := e.resetLink(w.Viewer.Email)
	c := e.client()
	c.get(reset)
	if res, _ := c.post(reset, url.Values{"password": {"a logged-free passphrase"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d", res.StatusCode)
	}
	c.login(w.Viewer.Email, "a logged-free passphrase")
	confirm := e.confirmLink(c, pgtest.Unique("logged")+"@moved.test")
	c.get(confirm)
	if res, _ := c.post(confirm, url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	out := logs.String()
	for _, want := range []string{"path=/reset-password/[token]", "path=/confirm-email/[token]", "path=/login/forgot"} {
		if !strings.Contains(out, want) {
			t.Errorf("no request line with %q in the log", want)
		}
	}
	for _, link := range []string{reset, confirm} {
		if token := link[strings.LastIndexByte(link, '/')+1:]; strings.Contains(out, token) {
			t.Errorf("the log carries the token of %s", link[:strings.LastIndexByte(link, '/')])
		}
	}
}
