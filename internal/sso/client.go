package sso

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// The client that reaches identity providers fetches addresses an account's
// administrator typed (an OIDC issuer, a SAML metadata URL) and addresses those
// providers name in turn (signing keys, the token endpoint). Left alone it would fetch
// from the server's own network for whoever can edit a connection: loopback services,
// the private network, the cloud's metadata service. NewClient's client refuses such
// addresses unless private networks are allowed: it checks every address a host name
// resolves to at the moment it connects (a net.Dialer Control function), so a name
// that resolves to a public address when looked at and a private one when used (DNS
// rebinding) cannot slip through, and redirects are checked the same way since each
// hop connects anew. It fetches only http and https addresses, redirects included,
// and connects to providers directly: a proxy from the environment would hide the
// address it connects to.

// Client is the HTTP client that reaches identity providers (discovery, keys, the
// token endpoint, SAML metadata).
type Client = http.Client

// ErrPrivateNetwork is wrapped by every refusal to connect to an address in a
// private network (PrivateAddressError says which).
var ErrPrivateNetwork = errors.New("Atrium does not fetch from private networks")

// ErrScheme refuses an address that is not http or https.
var ErrScheme = errors.New("only http:// and https:// addresses can be fetched")

// PrivateAddressError refuses a connection to Addr, an address Host resolved to that
// lies in a private network (loopback, RFC 1918, unique local, link-local, unspecified
// and other non-public ranges).
type PrivateAddressError struct {
	Host string
	Addr netip.Addr
}

func (e *PrivateAddressError) Error() string {
	if e.Host == "" || e.Host == e.Addr.String() {
		return fmt.Sprintf("%s is a private address; %v", e.Addr, ErrPrivateNetwork)
	}
	return fmt.Sprintf("%s resolves to a private address (%s); %v", e.Host, e.Addr, ErrPrivateNetwork)
}

func (e *PrivateAddressError) Unwrap() error { return ErrPrivateNetwork }

// maxRedirects bounds the redirects one fetch follows.
const maxRedirects = 5

// NewClient returns a client with a time limit on each request that refuses private
// addresses (see above), unless allowPrivateNetworks (a development identity provider
// on the same machine, a test's provider on loopback); then it also honours the proxy
// settings of the environment, as Go's default client does.
func NewClient(allowPrivateNetworks bool) *Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if allowPrivateNetworks {
		return newClient(nil, d)
	}
	return newClient(PrivateAddress, d)
}

// newClient builds the client over dialer d; private (nil: nothing is) says which
// addresses it refuses to connect to, checked before d's own Control, if any.
func newClient(private func(netip.Addr) bool, d *net.Dialer) *Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if private == nil {
		t.DialContext = d.DialContext
	} else {
		d.Control = refuse(private, d.Control)
		t.Proxy = nil
		t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			var pe *PrivateAddressError
			if err != nil && errors.As(err, &pe) {
				host, _, _ := net.SplitHostPort(addr)
				return nil, &PrivateAddressError{Host: host, Addr: pe.Addr}
			}
			return c, err
		}
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: schemeCheck{t}, CheckRedirect: checkRedirect}
}

// control is a net.Dialer Control function.
type control = func(network, address string, c syscall.RawConn) error

// refuse returns the dialer's Control, which runs for each address about to be
// connected to, once the name is resolved and before anything is sent; then next,
// when there is one.
func refuse(private func(netip.Addr) bool, next control) control {
	return func(network, address string, c syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("sso: cannot tell whether %q is private: %w", address, ErrPrivateNetwork)
		}
		if a := ap.Addr().WithZone("").Unmap(); private(a) {
			return &PrivateAddressError{Addr: a}
		}
		if next != nil {
			return next(network, address, c)
		}
		return nil
	}
}

// checkRedirect follows at most maxRedirects redirects, to http and https only.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	return checkScheme(req)
}

func checkScheme(req *http.Request) error {
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w (not %s://)", ErrScheme, req.URL.Scheme)
	}
	return nil
}

// schemeCheck refuses every request, the first and each redirect, whose scheme is not
// http or https before it is sent.
type schemeCheck struct{ next http.RoundTripper }

func (s schemeCheck) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := checkScheme(req); err != nil {
		return nil, err
	}
	return s.next.RoundTrip(req)
}

// nonPublic are ranges beyond those netip names that no identity provider is on: this
// network (0/8, which reaches the local host), shared address space (carrier-grade
// NAT), IETF protocol assignments, benchmarking, reserved (and broadcast), and
// deprecated IPv6 site-local addresses.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("fec0::/10"),
}

// Prefixes of IPv6 addresses that carry an IPv4 address a gateway forwards to: NAT64
// (RFC 6052, the address in the last four bytes) and 6to4 (RFC 3056, in bytes 2 to 5).
var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

// PrivateAddress reports whether a is not a public unicast address: loopback, private
// (RFC 1918, fc00::/7), link-local (169.254.0.0/16 — where clouds serve instance
// metadata — and fe80::/10), unspecified, multicast, the ranges of nonPublic, or an
// IPv6 address carrying such an IPv4 address (IPv4-mapped, NAT64, 6to4).
func PrivateAddress(a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return true
		}
	}
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return PrivateAddress(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	case sixTo4.Contains(a):
		return PrivateAddress(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
	}
	return false
}
