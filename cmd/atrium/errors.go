package main

import (
	"errors"

	"atrium/internal/domain"
)

// errorMessage returns the user-facing message of a domain error, with its field.
func errorMessage(err error) string {
	var e *domain.Error
	if !errors.As(err, &e) {
		return ""
	}
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}
