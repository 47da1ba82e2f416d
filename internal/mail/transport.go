package mail

import (
	"context"
	"errors"

	"atrium/internal/domain"
)

// Transport hands a rendered message over for delivery.
type Transport interface {
	// Name is recorded on the outbox row of a sent message: "smtp" or "dev".
	Name() string
	// Send delivers m, or says why not; it returns when ctx ends at the latest.
	Send(ctx context.Context, m domain.OutboundMail) error
}

// DevMailbox is the transport of development without an SMTP server: a message is
// "delivered" by being marked so on its outbox row, and read at /dev/mail.
type DevMailbox struct{}

// Name is "dev".
func (DevMailbox) Name() string { return "dev" }

// Send accepts every message: the outbox row already holds it.
func (DevMailbox) Send(context.Context, domain.OutboundMail) error { return nil }

// ErrNoTransport says why a server without a way to deliver email refuses to start.
var ErrNoTransport = errors.New("no way to deliver email: set SMTP_URL (smtp://user:pass@host:port) " +
	"or, on a development machine, ATRIUM_DEV=1 to read email in the development mailbox at /dev/mail")

// TransportFor chooses the transport: SMTP when smtpURL is set (its From is from), the
// development mailbox when it is not and dev is on, and ErrNoTransport otherwise.
func TransportFor(smtpURL, from string, dev bool) (Transport, error) {
	switch {
	case smtpURL != "":
		return NewSMTP(smtpURL, from)
	case dev:
		return DevMailbox{}, nil
	}
	return nil, ErrNoTransport
}
