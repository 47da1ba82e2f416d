package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"atrium/internal/domain"
)

// SMTP delivers over SMTP, one connection per message.
type SMTP struct {
	host     string
	port     int
	user     string
	pass     string
	implicit bool // smtps://: TLS from the first byte
	policy   gomail.TLSPolicy
	from     string
	// TLSConfig, when set, replaces the system's trust (tests trust their own server).
	TLSConfig *tls.Config
	// Timeout bounds each step of the conversation with the server.
	Timeout time.Duration
}

// NewSMTP parses an SMTP URL and a From address:
//
//	smtp://user:pass@host:port                 STARTTLS when the server offers it
//	smtp://user:pass@host:port?tls=starttls    STARTTLS required
//	smtp://host:port?tls=none                  no TLS (a test server on loopback)
//	smtps://user:pass@host:port                implicit TLS
//
// The port defaults to 587 (smtp) or 465 (smtps). Credentials are sent only over TLS,
// except with tls=none.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("SMTP_URL: not a URL like smtp://user:pass@host:port")
	}
	s := &SMTP{host: u.Hostname(), from: from, policy: gomail.TLSOpportunistic, Timeout: 30 * time.Second}
	switch u.Scheme {
	case "smtp":
		s.port = 587
	case "smtps":
		s.port, s.implicit = 465, true
	default:
		return nil, fmt.Errorf("SMTP_URL: the scheme must be smtp:// or smtps://, not %q", u.Scheme)
	}
	if s.host == "" {
		return nil, fmt.Errorf("SMTP_URL: no host")
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return nil, fmt.Errorf("SMTP_URL: bad port %q", p)
		}
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	q := u.Query()
	for k := range q {
		if k != "tls" {
			return nil, fmt.Errorf("SMTP_URL: unknown parameter %q (only tls=starttls or tls=none)", k)
		}
	}
	switch tlsMode := q.Get("tls"); {
	case tlsMode == "":
	case s.implicit:
		return nil, fmt.Errorf("SMTP_URL: smtps:// always uses TLS; tls=%s does not apply", tlsMode)
	case tlsMode == "starttls":
		s.policy = gomail.TLSMandatory
	case tlsMode == "none":
		s.policy = gomail.NoTLS
	default:
		return nil, fmt.Errorf("SMTP_URL: tls=%q: use tls=starttls or tls=none", tlsMode)
	}
	if err := gomail.NewMsg().From(from); err != nil || from == "" {
		return nil, fmt.Errorf("ATRIUM_MAIL_FROM: %q is not an address like Atrium <no-reply@example.com>", from)
	}
	return s, nil
}

// Name is "smtp".
func (s *SMTP) Name() string { return "smtp" }

// Describe says where mail goes, without the password.
func (s *SMTP) Describe() string {
	mode := map[gomail.TLSPolicy]string{gomail.TLSOpportunistic: "STARTTLS when offered", gomail.TLSMandatory: "STARTTLS", gomail.NoTLS: "no TLS"}[s.policy]
	if s.implicit {
		mode = "TLS"
	}
	return fmt.Sprintf("%s:%d (%s)", s.host, s.port, mode)
}

// Send delivers m to its one recipient.
func (s *SMTP) Send(ctx context.Context, m domain.OutboundMail) error {
	msg, err := s.message(m)
	if err != nil {
		return err
	}
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(s.Timeout), gomail.WithTLSPolicy(s.policy)}
	if s.implicit {
		opts = append(opts, gomail.WithSSL())
	}
	if s.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.TLSConfig))
	}
	switch {
	case s.user == "":
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthNoAuth))
	case s.policy == gomail.NoTLS && !s.implicit:
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlainNoEnc), gomail.WithUsername(s.user), gomail.WithPassword(s.pass))
	default:
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.user), gomail.WithPassword(s.pass))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// message builds the MIME message: text and HTML as multipart/alternative, the
// outbox's Message-ID and date, and headers that keep auto-replies away. No tracking,
// no User-Agent.
func (s *SMTP) message(m domain.OutboundMail) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(s.from); err != nil {
		return nil, err
	}
	if err := msg.To(m.To); err != nil {
		return nil, err
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(strings.TrimSuffix(strings.TrimPrefix(m.MessageID, "<"), ">"))
	if m.CreatedAt.IsZero() {
		msg.SetDate()
	} else {
		msg.SetDateWithValue(m.CreatedAt)
	}
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	return msg, nil
}
