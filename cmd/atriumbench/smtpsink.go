package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// maxHold bounds how long a held SMTP session waits to be released.
const maxHold = 25 * time.Second

// smtpSink is the SMTP server the mail phase delivers to: it listens on loopback,
// accepts every message, and notes each message's Message-ID and when its DATA was
// received. While held, sessions wait in MAIL FROM until released, so a backlog builds
// up in the server's queue.
type smtpSink struct {
	srv  *smtp.Server
	addr string

	mu       sync.Mutex
	received map[string][]time.Time // Message-ID: when each copy's DATA ended
	copies   int
	noID     int
	gate     chan struct{} // non-nil while held; closed on release
	changed  chan struct{} // closed (and replaced) on every message
}

func startSMTPSink() (*smtpSink, error) {
	s := &smtpSink{received: map[string][]time.Time{}, changed: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	s.srv.Domain = "sink.atriumbench.test"
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ErrorLog = sinkLog{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.addr = ln.Addr().String()
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// url is the SMTP_URL that delivers to the sink.
func (s *smtpSink) url() string { return "smtp://" + s.addr + "?tls=none" }

func (s *smtpSink) close() { s.release(); _ = s.srv.Close() }

// hold makes new sessions wait in MAIL FROM until release (at most maxHold).
func (s *smtpSink) hold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate == nil {
		s.gate = make(chan struct{})
	}
}

func (s *smtpSink) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate != nil {
		close(s.gate)
		s.gate = nil
	}
}

// acceptedAt returns when each Message-ID was received (every copy) and how many
// messages came without one.
func (s *smtpSink) acceptedAt() (map[string][]time.Time, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]time.Time, len(s.received))
	for id, ts := range s.received {
		out[id] = append([]time.Time(nil), ts...)
	}
	return out, s.noID
}

// waitFor waits until every id in want has been received at least once, or fails
// after timeout saying how many are missing.
func (s *smtpSink) waitFor(ctx context.Context, want []string, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		missing := 0
		for _, id := range want {
			if len(s.received[id]) == 0 {
				missing++
			}
		}
		changed := s.changed
		s.mu.Unlock()
		if missing == 0 {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("%d of %d messages not received within %s", missing, len(want), timeout)
		}
	}
}

type sinkSession struct{ s *smtpSink }

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error {
	ss.s.mu.Lock()
	gate := ss.s.gate
	ss.s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-time.After(maxHold):
		}
	}
	return nil
}

func (ss *sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }

func (ss *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	at := time.Now()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return errors.New("sink: unreadable message")
	}
	id := msg.Header.Get("Message-Id")
	s := ss.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.copies++
	if id == "" {
		s.noID++
	} else {
		s.received[id] = append(s.received[id], at)
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return nil
}

func (ss *sinkSession) Reset()        {}
func (ss *sinkSession) Logout() error { return nil }

type sinkLog struct{}

func (sinkLog) Printf(string, ...any) {}
func (sinkLog) Println(...any)        {}
