// Package textin is the one place where text typed into Atrium is checked before it is
// used: names, email addresses, search boxes and passwords. It refuses what is never
// text a person meant to type (bytes that are not UTF-8, control characters, the
// characters that reorder text on screen), tidies white space, and measures and cuts
// by characters, never by bytes. It depends on the standard library only.
//
// Refused, everywhere:
//   - bytes that are not valid UTF-8 (including surrogate halves encoded as UTF-8);
//   - control characters (C0, DEL, C1: NUL, tab, line breaks …) and the line and
//     paragraph separators U+2028 and U+2029, except as white space at either end,
//     which is trimmed;
//   - bidirectional formatting characters: embeddings and overrides U+202A–U+202E,
//     isolates U+2066–U+2069 and the marks U+200E, U+200F and U+061C, which make a
//     name display as something else;
//   - in names, content made only of invisible characters (zero-width spaces and
//     joiners, the byte order mark, fillers …): it is refused rather than stored as a
//     blank that looks like nothing, or like another name.
package textin

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error says why a value was refused. Its message is safe to show next to the field.
type Error struct {
	Reason Reason
	// Max is the cap a value went over (ErrTooLong).
	Max int
}

// Reason is a kind of refusal.
type Reason int

// The reasons a value is refused.
const (
	ReasonInvalidUTF8 Reason = iota + 1
	ReasonControl
	ReasonBidi
	ReasonInvisible
	ReasonTooLong
	ReasonEmail
)

func (e *Error) Error() string {
	switch e.Reason {
	case ReasonInvalidUTF8:
		return "This contains bytes that are not valid text (UTF-8)."
	case ReasonControl:
		return "Remove the control characters (such as line breaks, tabs or NUL)."
	case ReasonBidi:
		return "Remove the characters that change the direction of text (such as U+202E)."
	case ReasonInvisible:
		return "This holds only invisible characters; type visible ones."
	case ReasonTooLong:
		return "Use at most " + strconv.Itoa(e.Max) + " characters."
	case ReasonEmail:
		return "Enter an email address like name@example.com."
	}
	return "This value is not allowed."
}

// Is lets errors.Is match an *Error by its Reason alone.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Reason == e.Reason
}

// Sentinels for errors.Is.
var (
	ErrInvalidUTF8 = &Error{Reason: ReasonInvalidUTF8}
	ErrControl     = &Error{Reason: ReasonControl}
	ErrBidi        = &Error{Reason: ReasonBidi}
	ErrInvisible   = &Error{Reason: ReasonInvisible}
	ErrTooLong     = &Error{Reason: ReasonTooLong}
	ErrEmail       = &Error{Reason: ReasonEmail}
)

// IsBidi reports whether r changes the direction in which the text around it is shown.
func IsBidi(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// IsInvisible reports whether r shows nothing on its own: format characters (zero-width
// space, joiners, word joiner, byte order mark, soft hyphen, tags …), variation
// selectors, the combining grapheme joiner, and the blank fillers of Hangul and
// Braille. White space is not included (see unicode.IsSpace).
func IsInvisible(r rune) bool {
	switch {
	case unicode.Is(unicode.Cf, r),
		unicode.Is(unicode.Variation_Selector, r),
		r == 0x034F,                // combining grapheme joiner
		r >= 0x180B && r <= 0x180F, // Mongolian variation selectors and vowel separator
		r == 0x17B4, r == 0x17B5,   // Khmer inherent vowels
		r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0, // Hangul fillers
		r == 0x2800: // Braille blank
		return true
	}
	return false
}

// IsLineBreakOrControl reports whether r has no place in a single line of text.
func IsLineBreakOrControl(r rune) bool {
	return unicode.IsControl(r) || r == 0x2028 || r == 0x2029
}

// blank is what is trimmed from either end: white space and invisible characters.
func blank(r rune) bool { return unicode.IsSpace(r) || IsInvisible(r) }

// Line checks and tidies one line of text from a form (a name): white space and
// invisible characters are trimmed from both ends, every run of white space inside
// becomes one space, and the result may hold at most max characters (runes). Empty or
// blank input gives "" and no error; the caller decides whether a value is required.
// Refused: invalid UTF-8, control characters and line breaks inside, bidirectional
// formatting characters, content made only of invisible characters (ErrInvisible),
// and more than max characters (ErrTooLong). The result of Line is always accepted by
// Line unchanged.
func Line(s string, max int) (string, error) {
	t, err := tidy(s)
	if err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(t); n > max {
		return "", &Error{Reason: ReasonTooLong, Max: max}
	}
	return t, nil
}

// Query checks and tidies a search box: like Line, except that content made only of
// invisible characters is an empty query and a long query is cut to max characters
// (never in the middle of one). Invalid UTF-8, control characters and bidirectional
// formatting characters are refused, as in forms.
func Query(s string, max int) (string, error) {
	t, err := tidy(s)
	if errors.Is(err, ErrInvisible) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return Cut(t, max), nil
}

// Cut returns at most max characters of a tidied line, cut on a character boundary and
// trimmed again so it never ends in white space or an invisible character.
func Cut(s string, max int) string {
	if max <= 0 {
		return ""
	}
	n := 0
	for i := range s {
		if n == max {
			return strings.TrimFunc(s[:i], blank)
		}
		n++
	}
	return s
}

// tidy is the part Line and Query share: validity, refusals, trimming, spacing.
func tidy(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", ErrInvalidUTF8
	}
	if strings.IndexFunc(s, IsBidi) >= 0 {
		return "", ErrBidi
	}
	t := strings.TrimFunc(s, blank)
	if strings.IndexFunc(t, IsLineBreakOrControl) >= 0 {
		return "", ErrControl
	}
	if t == "" {
		if strings.TrimFunc(s, unicode.IsSpace) != "" {
			return "", ErrInvisible
		}
		return "", nil
	}
	if !needsSpacing(t) {
		return t, nil
	}
	return strings.Join(strings.FieldsFunc(t, unicode.IsSpace), " "), nil
}

// needsSpacing reports whether s holds white space other than single ASCII spaces.
func needsSpacing(s string) bool {
	prevSpace := false
	for _, r := range s {
		if r == ' ' {
			if prevSpace {
				return true
			}
			prevSpace = true
			continue
		}
		if unicode.IsSpace(r) {
			return true
		}
		prevSpace = false
	}
	return false
}
