package server_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"atrium/internal/pgtest"
)

// watchedListener is a loopback server that counts the requests reaching it.
func watchedListener(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// testConnection adds a connection through the security page and presses Test
// connection; it returns what the connection's page then says.
func testConnection(t *testing.T, c *client, base string, form url.Values) string {
	t.Helper()
	res, body := c.post(base+"/connections", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create %v: %d\n%s", form, res.StatusCode, excerpt(body))
	}
	page := res.Header.Get("Location")
	if res, _ := c.post(page+"/test", url.Values{}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != page {
		t.Fatalf("test of %v: %d to %q, want its page", form, res.StatusCode, res.Header.Get("Location"))
	}
	_, body = c.get(page)
	return html.UnescapeString(body)
}

// TestSSOConnections_PrivateNetworksRefused: an administrator's issuer or metadata
// address in a private network (loopback, by address or by a name resolving to it) is
// not fetched, and Test connection says why; no request reaches the loopback listener.
// A server configured to allow private networks fetches them. (Other private ranges —
// 10.x, 169.254.169.254 — are refused by the same check, shown in internal/sso's tests
// with a dialer that cannot leave loopback; this test targets nothing beyond it.)
func TestSSOConnections_PrivateNetworksRefused(t *testing.T) {
	watched, hits := watchedListener(t)
	port := watched.URL[strings.LastIndex(watched.URL, ":")+1:]
	e := newEnvWith(t, envOptions{refusePrivateNetworks: true})
	w := e.world()
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	base := "/a/" + w.AccA1.Slug + "/settings/security"
	oidc := func(name, issuer string) url.Values {
		return url.Values{"protocol": {"oidc"}, "name": {name}, "issuer": {issuer}, "client_id": {"atrium"}, "client_secret": {"s"}, "scopes": {"email"}}
	}
	for _, c := range []struct {
		form url.Values
		says string
	}{
		{oidc("Loopback", watched.URL), "127.0.0.1 is a private address; Atrium does not fetch from private networks"},
		{oidc("Named loopback", "http://localhost:"+port), "localhost resolves to a private address"},
		{oidc("IPv6 loopback", "http://[::1]:"+port), "::1 is a private address"},
		{url.Values{"protocol": {"saml"}, "name": {"SAML loopback"}, "metadata_url": {watched.URL + "/metadata"}},
			"127.0.0.1 is a private address; Atrium does not fetch from private networks"},
	} {
		body := testConnection(t, owner, base, c.form)
		if !strings.Contains(body, "Test failed") || !strings.Contains(body, c.says) {
			t.Errorf("%s: the page does not say %q:\n%s", c.form.Get("name"), c.says, excerpt(body))
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d requests reached the loopback listener", n)
	}

	// Allowed by configuration (as the other tests' servers are): fetched.
	allowed := newEnv(t)
	aw := allowed.world()
	admin := allowed.client()
	admin.login(aw.OwnerA.Email, pgtest.Password)
	body := testConnection(t, admin, "/a/"+aw.AccA1.Slug+"/settings/security", oidc("Loopback", watched.URL))
	if strings.Contains(body, "private") || !strings.Contains(body, "configuration could not be fetched") || hits.Load() == 0 {
		t.Fatalf("allowed private networks: %d requests, page:\n%s", hits.Load(), excerpt(body))
	}
}
