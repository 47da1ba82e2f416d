package pages

import (
	"atrium/internal/domain"
	"atrium/web"
)

// ActivityProps is an activity log page (an account's or an organisation's).
type ActivityProps struct {
	Shell  web.Shell
	Title  string
	Events []domain.AuditEvent
	Filter string
	// Next is the "before" id of the next page; 0 when this is the last.
	Next int64
	// Accounts names each event's account on an organisation's log (nil on an
	// account's own log).
	Accounts map[int64]string
}
