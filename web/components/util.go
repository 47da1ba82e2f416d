// Package components holds small templ pieces shared by pages.
package components

import "time"

// DateTime formats a time for tables ("23 Nov 2026, 14:05 UTC"); zero shows "Never".
func DateTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "Never"
	}
	return t.UTC().Format("2 Jan 2006, 15:04 UTC")
}
