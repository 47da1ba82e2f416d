package app

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"atrium/internal/domain"
)

// What people type that ends up in an email Atrium sends on their behalf (an
// invitee's name, a personal message, a reason or a note) is short plain text: no
// markup, no links, no control or direction-changing characters. Emails escape it
// anyway; these rules keep Atrium from carrying someone else's links or lookalike text
// to an inbox under its own name.

// MessageMax bounds a personal message, a reason or a note (characters).
const MessageMax = 500

// messageMaxLines bounds the lines of a personal message.
const messageMaxLines = 10

var markupRE = regexp.MustCompile(`<\s*[/!?a-zA-Z]`)

// hasLink reports whether s carries something a mail program would make a link of.
func hasLink(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "://") || strings.Contains(l, "www.") || strings.Contains(l, "mailto:")
}

// badRune reports control and format characters (right-to-left overrides and the
// like), allowing line breaks and tabs when lines is set, and the zero-width joiner
// emoji need.
func badRune(r rune, lines bool) bool {
	if lines && (r == '\n' || r == '\t') {
		return false
	}
	return r == utf8.RuneError || unicode.IsControl(r) || (unicode.Is(unicode.Cf, r) && r != '\u200d')
}

// cleanPersonName trims a first or last name and checks it is a plain name of at most
// max characters (any script); required refuses an empty one.
func cleanPersonName(field, name string, max int, required bool) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		if required {
			return "", domain.FieldError(field, "Enter a name.")
		}
		return "", nil
	}
	if utf8.RuneCountInString(name) > max {
		return "", domain.FieldError(field, "Use at most "+itoa(max)+" characters.")
	}
	for _, r := range name {
		if badRune(r, false) || r == '<' || r == '>' {
			return "", domain.FieldError(field, "Use letters, spaces and ordinary punctuation only.")
		}
	}
	if hasLink(name) || strings.Contains(name, "@") {
		return "", domain.FieldError(field, "Enter a name, not an address or a link.")
	}
	return name, nil
}

// cleanMessage trims a personal message, reason or note and checks it is short plain
// text ("" is fine).
func cleanMessage(field, s string) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if n := utf8.RuneCountInString(s); n > MessageMax {
		return "", domain.FieldError(field, "Keep it to "+itoa(MessageMax)+" characters (this is "+itoa(n)+").")
	}
	if strings.Count(s, "\n") >= messageMaxLines {
		return "", domain.FieldError(field, "Keep it to "+itoa(messageMaxLines)+" lines.")
	}
	for _, r := range s {
		if badRune(r, true) {
			return "", domain.FieldError(field, "Use plain text only.")
		}
	}
	if markupRE.MatchString(s) {
		return "", domain.FieldError(field, "Use plain text, without HTML or other markup.")
	}
	if hasLink(s) {
		return "", domain.FieldError(field, "Leave links out: Atrium's email carries the one link that is needed.")
	}
	return s, nil
}
