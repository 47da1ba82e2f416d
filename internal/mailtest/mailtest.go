// Package mailtest is a real SMTP server for tests: it listens on 127.0.0.1, receives
// messages and parses their headers and parts, and can be told to refuse messages or
// to hang before DATA, to stand for a broken or a stalled mail server. It stops when
// its test ends. Only tests import it.
package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mode is how the server answers a message.
type Mode int

// The modes.
const (
	Accept Mode = iota // receive every message
	Refuse             // answer MAIL FROM with 451 (try again later)
	Hang               // accept the recipient's RCPT TO only when told to (or after MaxHang)
)

// MaxHang bounds how long a hanging session waits before giving up by itself.
const MaxHang = 2 * time.Minute

// Server is one SMTP server on a loopback port.
type Server struct {
	t    testing.TB
	srv  *smtp.Server
	ln   net.Listener
	addr string
	user string
	pass string
	// implicit: TLS from the first byte (smtps); cert: the server's own certificate.
	implicit bool
	cert     *x509.Certificate

	mu       sync.Mutex
	mode     Mode
	delay    time.Duration // before accepting each message (SetDelay)
	msgs     []Message
	refused  []time.Time
	hanging  int
	release  chan struct{} // closed to end the current hangs
	changed  chan struct{} // closed (and replaced) whenever anything above changes
	stopped  bool
	stopOnce sync.Once
}

// Message is one message as the server received it.
type Message struct {
	From      string   // envelope sender
	To        []string // envelope recipients
	Header    Header
	MessageID string // the Message-ID header, with its angle brackets
	// ContentType is the top-level type (multipart/alternative for text and HTML).
	ContentType string
	Text, HTML  string // the decoded text/plain and text/html parts
	Raw         []byte
	TLS         bool // received over TLS (STARTTLS or implicit)
	Auth        string
}

// Option configures a server.
type Option func(*Server)

// WithAuth requires AUTH PLAIN with these credentials (allowed without TLS).
func WithAuth(user, pass string) Option { return func(s *Server) { s.user, s.pass = user, pass } }

// WithSTARTTLS offers STARTTLS with a certificate for 127.0.0.1 (trust it with ClientTLS).
func WithSTARTTLS() Option { return func(s *Server) { s.cert = &x509.Certificate{} } }

// WithImplicitTLS speaks TLS from the first byte, as smtps:// expects.
func WithImplicitTLS() Option {
	return func(s *Server) { s.cert, s.implicit = &x509.Certificate{}, true }
}

// Start starts a server on 127.0.0.1:0 that stops when t ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{t: t, release: make(chan struct{}), changed: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "mailtest.localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ErrorLog = discard{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if s.cert != nil {
		cfg, cert := selfSigned(t)
		s.cert = cert
		if s.implicit {
			ln = tls.NewListener(ln, cfg)
		} else {
			s.srv.TLSConfig = cfg
		}
	}
	s.ln, s.addr = ln, ln.Addr().String()
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(s.Stop)
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// URL is an SMTP_URL for the server: smtps:// with implicit TLS, smtp:// with tls=none
// otherwise (or with no tls parameter when STARTTLS is offered), with its credentials.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.addr, RawQuery: "tls=none"}
	switch {
	case s.implicit:
		u.Scheme, u.RawQuery = "smtps", ""
	case s.cert != nil:
		u.RawQuery = ""
	}
	if s.user != "" {
		u.User = url.UserPassword(s.user, s.pass)
	}
	return u.String()
}

// ClientTLS trusts the server's certificate (nil without TLS).
func (s *Server) ClientTLS() *tls.Config {
	if s.cert == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AddCert(s.cert)
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// SetMode changes how the server answers from now on. Leaving Hang lets the sessions
// that hang go on, with the new mode's answer.
func (s *Server) SetMode(m Mode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mode == Hang && m != Hang {
		close(s.release)
		s.release = make(chan struct{})
	}
	s.mode = m
	s.notify()
}

// SetDelay makes the server wait d after receiving each message before accepting it
// (a slow mail server); 0 accepts at once.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Messages returns what was received so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// Refused is how many messages were refused.
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.refused)
}

// RefusedAt is when each refusal happened, in order.
func (s *Server) RefusedAt() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.refused)
}

// WaitFor waits until n messages have arrived and returns them; the test fails after
// timeout.
func (s *Server) WaitFor(n int, timeout time.Duration) []Message {
	s.t.Helper()
	s.wait(timeout, fmt.Sprintf("%d messages", n), func() bool { return len(s.msgs) >= n })
	return s.Messages()
}

// WaitTo waits for a message to addr and returns the first; the test fails after
// timeout.
func (s *Server) WaitTo(addr string, timeout time.Duration) Message {
	s.t.Helper()
	var found Message
	s.wait(timeout, "a message to "+addr, func() bool {
		for _, m := range s.msgs {
			if slices.ContainsFunc(m.To, func(to string) bool { return strings.EqualFold(to, addr) }) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// WaitMessage waits for a message for which match is true and returns the first; the
// test fails after timeout, naming what it waited for.
func (s *Server) WaitMessage(what string, timeout time.Duration, match func(Message) bool) Message {
	s.t.Helper()
	var found Message
	s.wait(timeout, what, func() bool {
		for _, m := range s.msgs {
			if match(m) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// WaitRefused waits until n messages have been refused; the test fails after timeout.
func (s *Server) WaitRefused(n int, timeout time.Duration) {
	s.t.Helper()
	s.wait(timeout, fmt.Sprintf("%d refusals", n), func() bool { return len(s.refused) >= n })
}

// WaitHanging waits until a session hangs before DATA; the test fails after timeout.
func (s *Server) WaitHanging(timeout time.Duration) {
	s.t.Helper()
	s.wait(timeout, "a hanging session", func() bool { return s.hanging > 0 })
}

// wait blocks until cond (called under the lock) holds, or fails the test.
func (s *Server) wait(timeout time.Duration, what string, cond func() bool) {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ok, changed := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			s.t.Fatalf("mailtest: no %s within %s (received %d, refused %d)", what, timeout, len(s.Messages()), s.Refused())
		}
	}
}

// notify wakes the waiters; call with s.mu held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Stop closes the server and ends any hang. Start registers it with the test.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		s.stopped = true
		close(s.release)
		s.release = make(chan struct{})
		s.notify()
		s.mu.Unlock()
		_ = s.srv.Close()
	})
}

type session struct {
	s    *Server
	tls  bool
	auth string
	from string
	to   []string
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &session{s: s, tls: isTLS}, nil
}

// AuthMechanisms offers PLAIN when the server has credentials.
func (ss *session) AuthMechanisms() []string {
	if ss.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

// Auth checks PLAIN credentials.
func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.user || pass != ss.s.pass {
			return smtp.ErrAuthFailed
		}
		ss.auth = user
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	s := ss.s
	if s.user != "" && ss.auth == "" {
		return smtp.ErrAuthRequired
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mode == Refuse {
		s.refused = append(s.refused, time.Now())
		s.notify()
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "mailtest refuses: try again later"}
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s := ss.s
	s.mu.Lock()
	if s.mode == Hang && !s.stopped {
		s.hanging++
		release := s.release
		s.notify()
		s.mu.Unlock()
		select {
		case <-release:
		case <-time.After(MaxHang):
		}
		s.mu.Lock()
		s.hanging--
		s.notify()
		s.mu.Unlock()
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "mailtest hung up"}
	}
	s.mu.Unlock()
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := Parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "mailtest cannot parse: " + err.Error()}
	}
	m.From, m.To, m.TLS, m.Auth = ss.from, slices.Clone(ss.to), ss.tls, ss.auth
	s := ss.s
	s.mu.Lock()
	delay := s.delay
	s.mu.Unlock()
	time.Sleep(delay)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	s.notify()
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

type discard struct{}

func (discard) Printf(string, ...any) {}
func (discard) Println(...any)        {}

// selfSigned makes a TLS configuration with a fresh certificate for 127.0.0.1.
func selfSigned(t testing.TB) (*tls.Config, *x509.Certificate) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailtest"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}, cert
}
