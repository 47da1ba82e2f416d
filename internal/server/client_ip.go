package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

const keyClientIP ctxKey = 101

// clientAddress works out the address of the client behind the request, once, for
// throttling, the activity log and request logs. The peer of the connection is the
// client unless it is one of the configured trusted proxies (ATRIUM_TRUSTED_PROXIES);
// then X-Forwarded-For is read from the right, skipping trusted proxies, and the first
// address that is not one is the client. Headers from anyone else are ignored, so a
// client cannot choose the address it is throttled under.
func clientAddress(r *http.Request, trusted []netip.Prefix) string {
	peer := r.RemoteAddr
	if host, _, err := net.SplitHostPort(peer); err == nil {
		peer = host
	}
	addr, err := netip.ParseAddr(peer)
	if err != nil || !isTrusted(addr, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: trust nothing further left
		}
		hop = hop.Unmap()
		if !isTrusted(hop, trusted) {
			return hop.String()
		}
		addr = hop
	}
	return addr.String() // every hop is a trusted proxy: the leftmost one
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the client's address (see clientAddress).
func clientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(keyClientIP).(string); ok {
		return ip
	}
	return clientAddress(r, nil)
}
