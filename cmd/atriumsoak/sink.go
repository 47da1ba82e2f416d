package main

import (
	"bytes"
	"io"
	"net"
	"net/mail"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// sink is an SMTP server on loopback that accepts every message and remembers its
// Message-ID and when it was accepted. It can be made slow: each message then waits
// before its recipient is accepted, so deliveries take time and queue up.
type sink struct {
	srv  *smtp.Server
	ln   net.Listener
	addr string

	mu       sync.Mutex
	delay    time.Duration
	accepted []received
	changed  chan struct{}
}

// received is one accepted message.
type received struct {
	messageID string
	to        []string
	at        time.Time
}

func startSink() (*sink, error) {
	s := &sink{changed: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	s.srv.Domain = "soak.localhost"
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ErrorLog = quiet{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.ln, s.addr = ln, ln.Addr().String()
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// url is the SMTP_URL of the sink.
func (s *sink) url() string { return "smtp://" + s.addr + "?tls=none" }

func (s *sink) close() { _ = s.srv.Close() }

// setDelay makes each message wait d before its recipient is accepted.
func (s *sink) setDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// messages returns what was accepted so far, in order.
func (s *sink) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.accepted...)
}

// waitCount waits until n messages were accepted or timeout passes; it reports
// whether they were.
func (s *sink) waitCount(n int, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, changed := len(s.accepted), s.changed
		s.mu.Unlock()
		if got >= n {
			return true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return false
		}
	}
}

type sinkSession struct {
	s  *sink
	to []string
}

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	d := ss.s.delay
	ss.s.mu.Unlock()
	time.Sleep(d)
	ss.to = append(ss.to, to)
	return nil
}

// Data accepts the message once it has been read whole; a connection that breaks
// before that delivers nothing.
func (ss *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	id := ""
	if m, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		id = m.Header.Get("Message-Id")
	}
	s := ss.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accepted = append(s.accepted, received{messageID: id, to: append([]string(nil), ss.to...), at: time.Now()})
	close(s.changed)
	s.changed = make(chan struct{})
	return nil
}

func (ss *sinkSession) Reset()        { ss.to = nil }
func (ss *sinkSession) Logout() error { return nil }

type quiet struct{}

func (quiet) Printf(string, ...any) {}
func (quiet) Println(...any)        {}
