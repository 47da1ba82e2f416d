package app

import (
	"math"
	"time"

	"atrium/internal/domain"
)

// waitText says a wait in words people read: "a second", "40 seconds", "3 minutes"
// (seconds below a minute and a half; at least a second).
func waitText(d time.Duration) string {
	switch secs := max(int(math.Ceil(d.Seconds())), 1); {
	case secs == 1:
		return "a second"
	case secs < 90:
		return itoa(secs) + " seconds"
	default:
		return itoa((secs+59)/60) + " minutes"
	}
}

// tooMany is the ETOOMANY answer to a request over a limit that frees up after wait
// (Retry-After), its message ending "Try again in WAIT.".
func tooMany(why string, wait time.Duration) error {
	return &domain.Error{Code: domain.ETOOMANY, RetryAfter: wait, Message: why + " Try again in " + waitText(wait) + "."}
}
