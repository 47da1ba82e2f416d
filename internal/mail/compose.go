package mail

import (
	"bytes"
	"html/template"
	"strings"

	"atrium/internal/domain"
)

// Content is what a message says, in structured form: the same content renders as
// plain text and as HTML, so both parts always agree. Every string is plain text; the
// HTML part escapes it. No images, no tracking.
type Content struct {
	// Heading is the first line of the message body.
	Heading string
	// Paragraphs come after the heading, in order.
	Paragraphs []string
	// Quote, when set, is someone's own words (a personal message), shown set apart and
	// attributed to QuoteBy.
	Quote   string
	QuoteBy string
	// Action is the one link the message asks the reader to follow ("" for none).
	ActionLabel string
	ActionURL   string
	// Facts are labelled details (account, role, expiry…), shown as a small table.
	Facts []Fact
	// Footer says why the reader got the message and what to do if unexpected.
	Footer string
}

// Fact is one labelled detail of a message.
type Fact struct{ Label, Value string }

// Compose renders content as a message of kind to one address, for the account
// accountID (0 for none).
func Compose(kind, to, subject string, accountID int64, c Content) domain.OutboundMail {
	if !strings.HasPrefix(c.ActionURL, "https://") && !strings.HasPrefix(c.ActionURL, "http://") {
		c.ActionLabel, c.ActionURL = "", "" // links come from ATRIUM_BASE_URL; anything else is a bug
	}
	return domain.OutboundMail{Kind: kind, To: to, Subject: subject, AccountID: accountID, Text: plainText(c), HTML: htmlBody(subject, c)}
}

func plainText(c Content) string {
	var b strings.Builder
	b.WriteString(c.Heading + "\n\n")
	for _, p := range c.Paragraphs {
		b.WriteString(p + "\n\n")
	}
	if c.Quote != "" {
		for _, line := range strings.Split(c.Quote, "\n") {
			b.WriteString("> " + line + "\n")
		}
		if c.QuoteBy != "" {
			b.WriteString("— " + c.QuoteBy + "\n")
		}
		b.WriteString("\n")
	}
	for _, f := range c.Facts {
		b.WriteString(f.Label + ": " + f.Value + "\n")
	}
	if len(c.Facts) > 0 {
		b.WriteString("\n")
	}
	if c.ActionURL != "" {
		b.WriteString(c.ActionLabel + ":\n" + c.ActionURL + "\n\n")
	}
	if c.Footer != "" {
		b.WriteString("-- \n" + c.Footer + "\n")
	}
	return b.String()
}

var htmlTemplate = template.Must(template.New("mail").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Subject}}</title></head>
<body style="margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1d2330;line-height:1.5">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:28px">
<p style="margin:0 0 16px;font-weight:600;color:#4f46e5">Atrium</p>
<h1 style="font-size:20px;margin:0 0 16px">{{.C.Heading}}</h1>
{{range .C.Paragraphs}}<p style="margin:0 0 14px">{{.}}</p>
{{end}}{{if .C.Quote}}<blockquote style="margin:0 0 16px;padding:8px 14px;border-left:4px solid #c7cbd6;color:#3a4150;white-space:pre-wrap">{{.C.Quote}}{{if .C.QuoteBy}}<br><span style="color:#6b7280">— {{.C.QuoteBy}}</span>{{end}}</blockquote>
{{end}}{{if .C.Facts}}<table role="presentation" style="border-collapse:collapse;margin:0 0 18px">{{range .C.Facts}}<tr><td style="padding:2px 16px 2px 0;color:#6b7280">{{.Label}}</td><td style="padding:2px 0">{{.Value}}</td></tr>{{end}}</table>
{{end}}{{if .C.ActionURL}}<p style="margin:0 0 18px"><a href="{{.C.ActionURL}}" style="display:inline-block;background:#4f46e5;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:6px;font-weight:600">{{.C.ActionLabel}}</a></p>
<p style="margin:0 0 18px;font-size:13px;color:#6b7280">Or copy this link: <a href="{{.C.ActionURL}}" style="color:#4f46e5;word-break:break-all">{{.C.ActionURL}}</a></p>
{{end}}{{if .C.Footer}}<p style="margin:24px 0 0;font-size:13px;color:#6b7280;border-top:1px solid #e5e7eb;padding-top:14px">{{.C.Footer}}</p>
{{end}}</div></body></html>
`))

func htmlBody(subject string, c Content) string {
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, struct {
		Subject string
		C       Content
	}{subject, c}); err != nil {
		// The template is fixed and its data plain strings: an error here is a bug.
		panic(err)
	}
	return b.String()
}
