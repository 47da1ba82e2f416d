package textin

import (
	"strings"
	"unicode/utf8"
)

// Secret checks a password as typed, without changing it (a password is never trimmed
// or tidied): it must be valid UTF-8, hold no control characters or line breaks, and
// have at most max characters. Anything a person can type is otherwise allowed.
func Secret(s string, max int) error {
	if !utf8.ValidString(s) {
		return ErrInvalidUTF8
	}
	if strings.IndexFunc(s, IsLineBreakOrControl) >= 0 {
		return ErrControl
	}
	if utf8.RuneCountInString(s) > max {
		return &Error{Reason: ReasonTooLong, Max: max}
	}
	return nil
}
