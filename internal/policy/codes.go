package policy

import "time"

// Throttling of second-factor codes (TOTP and recovery codes). Wrong codes are counted
// per user, whichever sign-in they were typed in, so starting a new sign-in does not
// reset them. A few are free; after CodeFreeFailures each wrong code doubles the wait
// before the next one is checked (one second, then two, four … at most
// MaxThrottleWait). A pending sign-in (or a step-up) ends once CodeEndAfter wrong codes
// stand. A right code clears the count; so does an hour without a wrong one, so nobody
// is locked out for good.
const (
	CodeFreeFailures = 5
	CodeEndAfter     = 10
	CodeFailureDecay = time.Hour
)

// CodeWait is how long after the last wrong code the next code may be checked, when
// failures wrong codes stand.
func CodeWait(failures int) time.Duration { return backoff(failures, CodeFreeFailures) }

// CodeWaits lists CodeWait for 0, 1, 2 … failures up to the first count that waits
// MaxThrottleWait, which holds for every count beyond: the table the store applies
// when it counts a code in the same statement that checks it.
func CodeWaits() []time.Duration {
	var out []time.Duration
	for f := 0; ; f++ {
		w := CodeWait(f)
		out = append(out, w)
		if w >= MaxThrottleWait {
			return out
		}
	}
}

// CurrentCodeFailures is the count of wrong codes that stands at now: failures, or 0
// when the last one is CodeFailureDecay old.
func CurrentCodeFailures(failures int, last, now time.Time) int {
	if last.IsZero() || !now.Before(last.Add(CodeFailureDecay)) {
		return 0
	}
	return failures
}

// CheckCodes decides whether a code may be checked at now, given the wrong codes
// counted and the time of the last.
func CheckCodes(failures int, last, now time.Time) Throttle {
	f := CurrentCodeFailures(failures, last, now)
	return Throttle{Wait: remaining(f, CodeFreeFailures, last, now)}
}

// CodesExhausted reports whether failures wrong codes end the sign-in (or step-up)
// they were typed in.
func CodesExhausted(failures int) bool { return failures >= CodeEndAfter }
