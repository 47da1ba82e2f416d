package smtpsink

import (
	"context"
	"net/smtp"
	"strings"
	"testing"
	"time"
)

func send(t *testing.T, s *Sink, msg string) error {
	t.Helper()
	return smtp.SendMail(s.Addr, nil, "from@example.test", []string{"to@example.test"}, []byte(strings.ReplaceAll(msg, "\n", "\r\n")))
}

// TestRecordsMessageIDs: every message is accepted and recorded in order by its
// Message-ID, one without any under "".
func TestRecordsMessageIDs(t *testing.T) {
	s, err := Start("sink.test")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, m := range []string{
		"Message-ID: <a@x>\nSubject: a\n\nbody\n",
		"Subject: no id\n\nbody\n",
		"Message-ID: <a@x>\nSubject: a again\n\nbody\n",
	} {
		if err := send(t, s, m); err != nil {
			t.Fatal(err)
		}
	}
	got := s.Messages()
	var ids []string
	for _, m := range got {
		ids = append(ids, m.ID)
	}
	if strings.Join(ids, ",") != "<a@x>,,<a@x>" {
		t.Errorf("Message-IDs %q, want <a@x>, \"\", <a@x>", ids)
	}
	if len(got) == 3 && got[2].At.Before(got[0].At) {
		t.Errorf("received at %v, then %v", got[0].At, got[2].At)
	}
	if err := s.WaitFor(context.Background(), []string{"<a@x>"}, time.Minute); err != nil {
		t.Errorf("WaitFor a received message: %v", err)
	}
	if !s.WaitCount(3, time.Minute) {
		t.Error("WaitCount(3) after three messages = false")
	}
	if err := s.WaitFor(context.Background(), []string{"<a@x>", "<b@x>", "<c@x>"}, 0); err == nil ||
		!strings.Contains(err.Error(), "2 of 3 messages not received") {
		t.Errorf("WaitFor messages never sent = %v, want 2 of 3 missing", err)
	}
}

// TestHold: while held, a session waits before MAIL FROM is accepted, so nothing
// arrives; once released the message is received.
func TestHold(t *testing.T) {
	s, err := Start("sink.test")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Hold()
	sent := make(chan error, 1)
	go func() { sent <- send(t, s, "Message-ID: <held@x>\n\nbody\n") }()
	if s.WaitCount(1, 200*time.Millisecond) {
		t.Fatal("a message arrived while the sink was held")
	}
	s.Release()
	if err := s.WaitFor(context.Background(), []string{"<held@x>"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}
