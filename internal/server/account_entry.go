package server

import (
	"net/http"
	"slices"

	"atrium/internal/app"
)

// sessEntered lists the accounts this session has recorded an entry in (the most recent
// last), so that entering an account writes its entry time once per session, not on
// every page: account pages otherwise write nothing.
const sessEntered = "entered"

// enteredRemembered bounds that list: a session that enters more accounts records an
// account again when it comes back to it after this many others.
const enteredRemembered = 64

// recordEntry records, once per account per session, that the caller entered the
// account of h: the entry's write and the session's (which then lists the account) on
// the first page of the account only. A failure is logged and retried on the next
// page; the page itself does not depend on it.
func (s *Server) recordEntry(r *http.Request, h app.Access) {
	ctx := r.Context()
	id := h.View().Account.ID
	seen, _ := s.sessions.Get(ctx, sessEntered).([]int64)
	if slices.Contains(seen, id) {
		return
	}
	if err := s.app.RecordEntry(ctx, h); err != nil {
		s.log.WarnContext(ctx, "recording an account entry failed", "err", err, "request_id", requestID(ctx))
		return
	}
	if len(seen) >= enteredRemembered {
		seen = seen[len(seen)-enteredRemembered+1:]
	}
	s.sessions.Put(ctx, sessEntered, append(slices.Clone(seen), id))
}
