package app

import (
	"testing"
	"time"
)

func TestWaitText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "a second", 400 * time.Millisecond: "a second", time.Second: "a second", 1500 * time.Millisecond: "2 seconds",
		40 * time.Second: "40 seconds", 89 * time.Second: "89 seconds", 90 * time.Second: "2 minutes",
		10 * time.Minute: "10 minutes", 601 * time.Second: "11 minutes",
	} {
		if got := waitText(d); got != want {
			t.Errorf("waitText(%v) = %q, want %q", d, got, want)
		}
	}
}
