package policy

import (
	"testing"
	"time"
)

func TestCheckAttempts(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	cases := []struct {
		name string
		a    Attempts
		want Throttle
	}{
		{"nothing failed", Attempts{}, Throttle{}},
		{"four email failures are free", Attempts{EmailFailures: 4, EmailLastFailure: now}, Throttle{}},
		{"the fifth waits a second", Attempts{EmailFailures: 5, EmailLastFailure: now}, Throttle{Wait: time.Second}},
		{"the sixth waits two", Attempts{EmailFailures: 6, EmailLastFailure: now}, Throttle{Wait: 2 * time.Second}},
		{"waiting counts down", Attempts{EmailFailures: 8, EmailLastFailure: ago(3 * time.Second)}, Throttle{Wait: 5 * time.Second}},
		{"a wait already served", Attempts{EmailFailures: 8, EmailLastFailure: ago(time.Minute)}, Throttle{}},
		{"the wait stops growing", Attempts{EmailFailures: 60, EmailLastFailure: now}, Throttle{Wait: MaxThrottleWait}},
		{"just below suspension", Attempts{EmailFailures: 99, EmailLastFailure: ago(time.Hour)}, Throttle{}},
		{"suspended after 100, however long ago", Attempts{EmailFailures: 100, EmailLastFailure: ago(30 * 24 * time.Hour)}, Throttle{Suspended: true}},
		{"an address gets more free failures", Attempts{IPFailures: 49, IPLastFailure: now}, Throttle{}},
		{"then waits too", Attempts{IPFailures: 52, IPLastFailure: now}, Throttle{Wait: 4 * time.Second}},
		{"the longer wait wins", Attempts{EmailFailures: 5, EmailLastFailure: now, IPFailures: 53, IPLastFailure: now}, Throttle{Wait: 8 * time.Second}},
	}
	for _, c := range cases {
		got := CheckAttempts(c.a, now)
		if got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
		if got.Allowed() != (c.want.Wait == 0 && !c.want.Suspended) {
			t.Errorf("%s: Allowed() = %v", c.name, got.Allowed())
		}
	}
}
