// Package domain holds Atrium's core types, the permission catalogue and the one error
// type shared by every layer. It imports nothing of Atrium's own.
package domain

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. The server turns each into one HTTP status (server/errors.go).
const (
	ECONFLICT     = "conflict"     // a unique thing already exists
	EINTERNAL     = "internal"     // a bug or an outage; the message is never shown
	EINVALID      = "invalid"      // the input is wrong; the message says how
	ENOTFOUND     = "not_found"    // missing, or not visible to the caller
	EFORBIDDEN    = "forbidden"    // visible, but the caller lacks the permission
	EUNAUTHORISED = "unauthorised" // not signed in, or the credentials are wrong
	EREVOKED      = "revoked"      // the caller's access to the account has ended
	ECLOSED       = "closed"       // the account has been closed
	ETOOMANY      = "too_many"     // rate limit reached
	EINVARIANT    = "invariant"    // the change would break a rule such as "one owner"
	EUNAVAILABLE  = "unavailable"  // the database cannot be reached for now; try again soon
)

// Error is an application error with a machine-readable code and a message that is
// safe to show to the user.
type Error struct {
	Code    string
	Message string
	// Field, when set, names the form field the message belongs to.
	Field string
	// RetryAfter, for ETOOMANY, is how long until trying again can succeed (0: not
	// known, or not by waiting).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("atrium error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error attached to a form field.
func FieldError(field, message string) *Error {
	return &Error{Code: EINVALID, Message: message, Field: field}
}

// ErrorCode returns the code of err, EINTERNAL for errors that are not *Error, and ""
// for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors get a plain one.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong on our side. Please try again."
}

// ErrorRetryAfter returns the RetryAfter of an *Error, or 0.
func ErrorRetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
