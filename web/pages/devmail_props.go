package pages

import (
	"regexp"

	"atrium/internal/domain"
)

// DevMailListProps is one page of the development mailbox.
type DevMailListProps struct {
	Messages []domain.OutboundMail
	Page     int
	More     bool
}

// DevMailProps is one message of the development mailbox.
type DevMailProps struct {
	Message domain.OutboundMail
	// Text is the text part cut into plain runs and links.
	Text []TextRun
}

// TextRun is a piece of a text part: plain text, or a link when URL is set.
type TextRun struct{ Text, URL string }

var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// Linkify cuts text into runs where every http(s) URL is a link, so the text part of a
// message can be followed like the HTML part.
func Linkify(text string) []TextRun {
	var runs []TextRun
	last := 0
	for _, m := range linkPattern.FindAllStringIndex(text, -1) {
		if m[0] > last {
			runs = append(runs, TextRun{Text: text[last:m[0]]})
		}
		runs = append(runs, TextRun{Text: text[m[0]:m[1]], URL: text[m[0]:m[1]]})
		last = m[1]
	}
	if last < len(text) {
		runs = append(runs, TextRun{Text: text[last:]})
	}
	return runs
}
