// Package smtpsink is the SMTP server the bench and the soak deliver mail to: it
// listens on 127.0.0.1, accepts every message and records its Message-ID and when it
// was received, in order of arrival. It keeps no more of a message. Two gates, both
// before DATA, slow it down so that a queue builds up in the server delivering to it:
// Hold makes new sessions wait in MAIL FROM until Release (MaxHold at most), and
// SetDelay makes each recipient wait before it is accepted. (Tests use
// internal/mailtest instead, which parses messages and can refuse them.) It imports
// nothing of ours.
package smtpsink

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/mail"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// MaxHold bounds how long a held session waits to be released.
const MaxHold = 25 * time.Second

// Message is one message received.
type Message struct {
	ID string    // its Message-ID header ("" when it has none or cannot be parsed)
	At time.Time // when its DATA was received whole
}

// Sink is a running SMTP server.
type Sink struct {
	Addr string // 127.0.0.1:port
	srv  *smtp.Server

	mu       sync.Mutex
	received []Message
	byID     map[string]int // copies received of each Message-ID
	gate     chan struct{}  // non-nil while held; closed on release
	delay    time.Duration
	changed  chan struct{} // closed (and replaced) on every message
}

// Start starts a sink on a free loopback port; domain is the name it greets with.
func Start(domain string) (*Sink, error) {
	s := &Sink{byID: map[string]int{}, changed: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = domain
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ErrorLog = quiet{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.Addr = ln.Addr().String()
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// URL is the SMTP_URL that delivers to the sink.
func (s *Sink) URL() string { return "smtp://" + s.Addr + "?tls=none" }

// Close releases held sessions and stops the server.
func (s *Sink) Close() { s.Release(); _ = s.srv.Close() }

// Hold makes new sessions wait in MAIL FROM until Release (at most MaxHold).
func (s *Sink) Hold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate == nil {
		s.gate = make(chan struct{})
	}
}

// Release lets held sessions go on.
func (s *Sink) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate != nil {
		close(s.gate)
		s.gate = nil
	}
}

// SetDelay makes each recipient wait d before it is accepted (0: none).
func (s *Sink) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Messages returns the messages received so far, in order.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.received...)
}

// WaitCount waits until n messages were received or timeout passes; it reports
// whether they were.
func (s *Sink) WaitCount(n int, timeout time.Duration) bool {
	return s.wait(context.Background(), timeout, func() bool { return len(s.received) >= n })
}

// WaitFor waits until every Message-ID in want has been received at least once, or
// fails after timeout saying how many are missing.
func (s *Sink) WaitFor(ctx context.Context, want []string, timeout time.Duration) error {
	missing := 0
	done := func() bool {
		missing = 0
		for _, id := range want {
			if s.byID[id] == 0 {
				missing++
			}
		}
		return missing == 0
	}
	if s.wait(ctx, timeout, done) {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("%d of %d messages not received within %s", missing, len(want), timeout)
}

// wait waits until done (called with s.mu held) reports true, ctx ends or timeout
// passes; it reports whether done did.
func (s *Sink) wait(ctx context.Context, timeout time.Duration, done func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ok, changed := done(), s.changed
		s.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		case <-deadline.C:
			return false
		}
	}
}

type session struct{ s *Sink }

func (ss *session) Mail(string, *smtp.MailOptions) error {
	ss.s.mu.Lock()
	gate := ss.s.gate
	ss.s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-time.After(MaxHold):
		}
	}
	return nil
}

func (ss *session) Rcpt(string, *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	d := ss.s.delay
	ss.s.mu.Unlock()
	time.Sleep(d)
	return nil
}

// Data accepts the message once it has been read whole; a connection that breaks
// before that delivers nothing.
func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	at := time.Now()
	id := ""
	if m, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		id = m.Header.Get("Message-Id")
	}
	s := ss.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received = append(s.received, Message{ID: id, At: at})
	s.byID[id]++
	close(s.changed)
	s.changed = make(chan struct{})
	return nil
}

func (ss *session) Reset()        {}
func (ss *session) Logout() error { return nil }

type quiet struct{}

func (quiet) Printf(string, ...any) {}
func (quiet) Println(...any)        {}
