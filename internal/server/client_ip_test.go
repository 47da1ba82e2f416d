package server

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestClientAddress: X-Forwarded-For is read only when the peer is a trusted proxy,
// from the right, skipping trusted hops; anyone else's header is ignored.
func TestClientAddress(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	tests := []struct {
		name, peer, xff string
		trusted         []netip.Prefix
		want            string
	}{
		{"no proxies configured: the header is ignored", "203.0.113.9:4000", "198.51.100.1", nil, "203.0.113.9"},
		{"untrusted peer: the header is ignored", "203.0.113.9:4000", "198.51.100.1", proxies, "203.0.113.9"},
		{"trusted proxy: the client it names", "127.0.0.1:4000", "198.51.100.1", proxies, "198.51.100.1"},
		{"a client cannot prepend a fake hop", "127.0.0.1:4000", "6.6.6.6, 198.51.100.1", proxies, "198.51.100.1"},
		{"trusted hops are skipped", "127.0.0.1:4000", "198.51.100.1, 10.1.2.3", proxies, "198.51.100.1"},
		{"a malformed hop stops the walk", "127.0.0.1:4000", "198.51.100.1, junk, 10.1.2.3", proxies, "10.1.2.3"},
		{"trusted proxy without the header", "127.0.0.1:4000", "", proxies, "127.0.0.1"},
		{"IPv6 client behind a trusted proxy", "127.0.0.1:4000", "2001:db8::7", proxies, "2001:db8::7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := clientAddress(r, tt.trusted); got != tt.want {
				t.Fatalf("clientAddress = %q, want %q", got, tt.want)
			}
		})
	}
}
