package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"atrium/internal/mail"
	"atrium/internal/mailtest"
)

// TestNewSMTP_URLForms: the forms of SMTP_URL that are understood, and the ones refused
// with a reason.
func TestNewSMTP_URLForms(t *testing.T) {
	for url, want := range map[string]string{
		"smtp://user:pass@mail.example:2525":        "mail.example:2525 (STARTTLS when offered)",
		"smtp://mail.example":                       "mail.example:587 (STARTTLS when offered)",
		"smtp://mail.example:25?tls=starttls":       "mail.example:25 (STARTTLS)",
		"smtp://127.0.0.1:2525?tls=none":            "127.0.0.1:2525 (no TLS)",
		"smtps://user:p%40ss@mail.example":          "mail.example:465 (TLS)",
		"smtps://mail.example:1465":                 "mail.example:1465 (TLS)",
		"http://mail.example":                       "",
		"smtp://":                                   "",
		"smtp://mail.example:0":                     "",
		"smtp://mail.example?tls=maybe":             "",
		"smtp://mail.example?tlss=none":             "",
		"smtps://mail.example?tls=none":             "",
		"mail.example:25":                           "",
		"smtp://user:secret@mail.example:notaport":  "",
		"smtp://user:secret@mail.example?tls=never": "",
	} {
		s, err := mail.NewSMTP(url, from)
		switch {
		case want == "" && err == nil:
			t.Errorf("%s: accepted", url)
		case want != "" && err != nil:
			t.Errorf("%s: %v", url, err)
		case want != "" && s.Describe() != want:
			t.Errorf("%s: %s, want %s", url, s.Describe(), want)
		case err != nil && strings.Contains(err.Error(), "secret"):
			t.Errorf("%s: the error shows the password: %v", url, err)
		}
	}
	if _, err := mail.NewSMTP("smtp://mail.example", "not an address"); err == nil || !strings.Contains(err.Error(), "ATRIUM_MAIL_FROM") {
		t.Errorf("a bad From: %v", err)
	}
}

// TestTransportFor: SMTP when SMTP_URL is set, the development mailbox in development
// without it, and a refusal with neither.
func TestTransportFor(t *testing.T) {
	if tr, err := mail.TransportFor("smtp://mail.example", from, true); err != nil || tr.Name() != "smtp" {
		t.Errorf("SMTP_URL in development: %v %v", tr, err)
	}
	if tr, err := mail.TransportFor("smtp://mail.example", from, false); err != nil || tr.Name() != "smtp" {
		t.Errorf("SMTP_URL outside development: %v %v", tr, err)
	}
	if tr, err := mail.TransportFor("", from, true); err != nil || tr.Name() != "dev" {
		t.Errorf("development without SMTP_URL: %v %v", tr, err)
	}
	if _, err := mail.TransportFor("", from, false); !errors.Is(err, mail.ErrNoTransport) {
		t.Errorf("neither: %v", err)
	}
}

// TestSMTP_TLSAndAuth sends through real servers: credentials over STARTTLS and over
// implicit TLS, credentials in clear only with tls=none, STARTTLS required of a server
// that does not offer it refused, and credentials never sent to a server that offers
// no TLS unless tls=none says so.
func TestSMTP_TLSAndAuth(t *testing.T) {
	t.Parallel()
	m := message("tls@a.test")
	m.MessageID = "<tls-test@atrium.test>"
	send := func(t *testing.T, srv *mailtest.Server, url string) error {
		t.Helper()
		s, err := mail.NewSMTP(url, from)
		if err != nil {
			t.Fatal(err)
		}
		s.TLSConfig, s.Timeout = srv.ClientTLS(), 10*time.Second
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return s.Send(ctx, m)
	}
	for _, tc := range []struct {
		name string
		opts []mailtest.Option
		tls  bool
	}{
		{"STARTTLS", []mailtest.Option{mailtest.WithSTARTTLS(), mailtest.WithAuth("atrium", "s3cret")}, true},
		{"implicit TLS", []mailtest.Option{mailtest.WithImplicitTLS(), mailtest.WithAuth("atrium", "s3cret")}, true},
		{"no TLS", []mailtest.Option{mailtest.WithAuth("atrium", "s3cret")}, false},
	} {
		srv := mailtest.Start(t, tc.opts...)
		if err := send(t, srv, srv.URL()); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := srv.WaitTo("tls@a.test", 10*time.Second)
		if got.TLS != tc.tls || got.Auth != "atrium" || got.MessageID != m.MessageID {
			t.Errorf("%s: TLS %t, auth %q, Message-ID %q", tc.name, got.TLS, got.Auth, got.MessageID)
		}
	}

	plain := mailtest.Start(t, mailtest.WithAuth("atrium", "s3cret"))
	addr := plain.Addr()
	if err := send(t, plain, "smtp://"+addr+"?tls=starttls"); err == nil {
		t.Error("STARTTLS required, but sent to a server without it")
	}
	if err := send(t, plain, "smtp://atrium:s3cret@"+addr); err == nil {
		t.Error("credentials sent to a server that offers no TLS")
	}
	if n := len(plain.Messages()); n != 0 {
		t.Errorf("%d messages got through", n)
	}
}
