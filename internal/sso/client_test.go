package sso

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestPrivateAddress(t *testing.T) {
	for _, c := range []struct {
		addr    string
		private bool
	}{
		{"127.0.0.1", true}, {"127.8.9.10", true}, {"::1", true},
		{"10.0.0.1", true}, {"172.16.5.4", true}, {"192.168.1.1", true}, {"fc00::1", true}, {"fd12:3456::1", true},
		{"169.254.169.254", true}, {"fe80::1", true}, {"fe80::1%eth0", true},
		{"0.0.0.0", true}, {"::", true}, {"0.1.2.3", true},
		{"::ffff:127.0.0.1", true}, {"::ffff:169.254.169.254", true},
		{"100.64.0.1", true}, {"198.18.0.1", true}, {"255.255.255.255", true}, {"224.0.0.1", true}, {"ff02::1", true},
		{"64:ff9b::a00:1", true}, {"2002:7f00:1::1", true}, {"fec0::1", true},
		{"8.8.8.8", false}, {"1.1.1.1", false}, {"2606:4700:4700::1111", false}, {"64:ff9b::808:808", false},
		{"172.32.0.1", false}, {"::ffff:8.8.8.8", false},
	} {
		if got := PrivateAddress(netip.MustParseAddr(c.addr)); got != c.private {
			t.Errorf("PrivateAddress(%s) = %v, want %v", c.addr, got, c.private)
		}
	}
}

// watched is a loopback server that counts the requests reaching it.
func watched(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if h != nil {
			h(w, r)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// errLeftLoopback is the tests' safety net: should the client's own check ever let
// an address through, a test's client still connects to nothing beyond loopback.
var errLeftLoopback = errors.New("the test would have connected beyond loopback")

// loopbackOnly is a dialer that connects to loopback addresses only.
func loopbackOnly() *net.Dialer {
	return &net.Dialer{Timeout: 5 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		if ap, err := netip.ParseAddrPort(address); err != nil || !ap.Addr().Unmap().IsLoopback() {
			return errLeftLoopback
		}
		return nil
	}}
}

// guarded is the client NewClient(false) builds, over the loopback-only dialer.
func guarded() *Client { return newClient(PrivateAddress, loopbackOnly()) }

func get(c *Client, url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	return res.Body.Close()
}

// TestClient_RefusesPrivateNetworks: the client refuses loopback, private, link-local
// and unspecified addresses, literal or behind a name, before anything is sent (the
// watched listener sees no request), and says why; allowed, it fetches them.
func TestClient_RefusesPrivateNetworks(t *testing.T) {
	srv, hits := watched(t, nil)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	c := guarded()
	for _, c2 := range []struct{ url, says string }{
		{srv.URL + "/.well-known/openid-configuration", "127.0.0.1 is a private address; Atrium does not fetch from private networks"},
		{"http://localhost:" + port + "/metadata", "localhost resolves to a private address"},
		{"http://10.0.0.1/", "10.0.0.1 is a private address"},
		{"http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a private address"},
		{"http://0.0.0.0:" + port + "/", "0.0.0.0 is a private address"},
		{"http://[::1]:" + port + "/", "::1 is a private address"},
	} {
		err := get(c, c2.url)
		var pe *PrivateAddressError
		if !errors.Is(err, ErrPrivateNetwork) || !errors.As(err, &pe) || !strings.Contains(err.Error(), c2.says) {
			t.Errorf("GET %s: %v, want a refusal saying %q", c2.url, err, c2.says)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d requests reached the loopback listener", n)
	}
	// NewClient's client refuses the same (loopback only: nothing else is tried here).
	if err := get(NewClient(false), srv.URL+"/"); !errors.Is(err, ErrPrivateNetwork) || hits.Load() != 0 {
		t.Fatalf("NewClient(false) to loopback: %v, %d requests", err, hits.Load())
	}
	if err := get(NewClient(true), srv.URL+"/"); err != nil || hits.Load() != 1 {
		t.Fatalf("allowed: %v, %d requests", err, hits.Load())
	}
}

// TestClient_RefusesRedirectsIntoPrivateNetworks: a provider at an address the
// client accepts (here 127.0.0.2, taken for public) cannot redirect it to a private
// one (127.0.0.1, watched) nor to another scheme.
func TestClient_RefusesRedirectsIntoPrivateNetworks(t *testing.T) {
	inside, hits := watched(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		unavailable(t, "no 127.0.0.2 to listen on: %v", err)
	}
	outside := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/inside":
			http.Redirect(w, r, inside.URL+"/secret", http.StatusFound)
		case "/file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		default:
			_, _ = w.Write([]byte("public"))
		}
	}))
	outside.Listener.Close()
	outside.Listener = ln
	outside.Start()
	t.Cleanup(outside.Close)
	only1 := func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.1") }
	c := newClient(only1, loopbackOnly())
	if err := get(c, outside.URL+"/"); err != nil {
		t.Fatalf("the public address: %v", err)
	}
	if err := get(c, outside.URL+"/inside"); !errors.Is(err, ErrPrivateNetwork) {
		t.Fatalf("redirect to a private address: %v", err)
	}
	if err := get(c, outside.URL+"/file"); !errors.Is(err, ErrScheme) {
		t.Fatalf("redirect to file://: %v", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d requests reached the private listener", n)
	}
}

// TestClient_OnlyHTTP: other schemes are refused before anything is sent.
func TestClient_OnlyHTTP(t *testing.T) {
	for _, u := range []string{"file:///etc/passwd", "ftp://example.com/x", "gopher://example.com/"} {
		for _, allow := range []bool{false, true} {
			if err := get(NewClient(allow), u); !errors.Is(err, ErrScheme) {
				t.Errorf("GET %s (private networks allowed: %v): %v, want ErrScheme", u, allow, err)
			}
		}
	}
}

// TestNewClient_NoProxyWhenGuarded: the guarded client connects to providers itself,
// never through a proxy from the environment, which would hide the address it connects
// to from the check; allowed private networks, it keeps the environment's proxy.
func TestNewClient_NoProxyWhenGuarded(t *testing.T) {
	transport := func(c *Client) *http.Transport {
		t.Helper()
		sc, ok := c.Transport.(schemeCheck)
		if !ok {
			t.Fatalf("the client's transport is %T, not the scheme check", c.Transport)
		}
		tr, ok := sc.next.(*http.Transport)
		if !ok {
			t.Fatalf("the scheme check wraps %T, not an *http.Transport", sc.next)
		}
		return tr
	}
	if transport(NewClient(false)).Proxy != nil {
		t.Fatal("the guarded client has a proxy")
	}
	if transport(NewClient(true)).Proxy == nil {
		t.Fatal("allowed private networks, the client ignores the environment's proxy")
	}
}

// unavailable skips the test for lack of something outside the repository, except in
// CI, where a skipped check would go unnoticed.
func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (failing rather than skipping because CI is set)", msg)
	}
	t.Skip(msg)
}
