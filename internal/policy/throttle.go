package policy

import "time"

// Throttling of password attempts (failures are counted per email, known or not, and
// per client address). A few failures are free; after them each failure doubles the
// wait before the next attempt, up to MaxThrottleWait; after SuspendAfter consecutive
// failures for one email its password step is suspended until the password is set
// again through a one-time link or staff unlock it.
const (
	FreeEmailFailures = 5
	FreeIPFailures    = 50
	SuspendAfter      = 100
	MaxThrottleWait   = 15 * time.Minute
)

// Attempts is what is known of recent failures for an email and a client address.
type Attempts struct {
	EmailFailures    int
	EmailLastFailure time.Time
	IPFailures       int
	IPLastFailure    time.Time
}

// Throttle is the verdict on a password attempt.
type Throttle struct {
	Suspended bool          // the email's password step is suspended
	Wait      time.Duration // how long until an attempt is taken; 0: now
}

// Allowed reports whether the attempt may go ahead.
func (t Throttle) Allowed() bool { return !t.Suspended && t.Wait <= 0 }

// CheckAttempts decides whether a password attempt may be made at now.
func CheckAttempts(a Attempts, now time.Time) Throttle {
	if a.EmailFailures >= SuspendAfter {
		return Throttle{Suspended: true}
	}
	wait := remaining(a.EmailFailures, FreeEmailFailures, a.EmailLastFailure, now)
	if w := remaining(a.IPFailures, FreeIPFailures, a.IPLastFailure, now); w > wait {
		wait = w
	}
	return Throttle{Wait: wait}
}

// backoff is the wait after failures failures of which free cost nothing: one second
// after the first counted failure, doubling, at most MaxThrottleWait.
func backoff(failures, free int) time.Duration {
	n := failures - free
	if n < 0 {
		return 0
	}
	if n >= 10 {
		return MaxThrottleWait
	}
	return min(time.Second<<n, MaxThrottleWait)
}

func remaining(failures, free int, last, now time.Time) time.Duration {
	w := backoff(failures, free) - now.Sub(last)
	if w < 0 {
		return 0
	}
	return w
}
