package server_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"atrium/internal/pgtest"
)

// TestMetrics_RoutesSignInsPoolAndMail: the metrics count requests by route pattern
// (never by path), sign-ins by outcome, hash queueing, the pool and the mail queue;
// they are not served on the public listener.
func TestMetrics_RoutesSignInsPoolAndMail(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	c := e.client()
	c.login(w.Viewer.Email, pgtest.Password)
	c.get("/a/" + w.AccA1.Slug + "/")
	e.attempt(w.Viewer.Email, "not the password")
	if res, _ := c.get("/metrics"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics on the public listener: %d, want 404", res.StatusCode)
	}
	rec := httptest.NewRecorder()
	e.Server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`atrium_http_request_duration_seconds_count{method="GET",route="/a/{account}",status="200"} 1`,
		`atrium_sign_ins_total{outcome="signed_in"} 1`,
		`atrium_sign_ins_total{outcome="bad_credentials"} 1`,
		`atrium_password_hash_wait_seconds_count 2`,
		`atrium_db_pool_max_conns`,
		`atrium_mail_queue_pending 0`,
		`atrium_mail_failed 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, w.AccA1.Slug) || strings.Contains(body, url.QueryEscape(w.Viewer.Email)) {
		t.Error("metrics carry a path's ids or an email")
	}
}
