package mail

import (
	"testing"

	"atrium/internal/config"
)

// TestDefaults_AsConfigured: the defaults Delivery falls back to are the
// configuration's, so workers started without them deliver as atrium serve's do.
func TestDefaults_AsConfigured(t *testing.T) {
	if defaultMaxAttempts != config.DefaultMailMaxAttempts || defaultRescueAfter != config.DefaultMailRescueAfter ||
		defaultWorkers != config.DefaultMailWorkers || defaultPoll != config.DefaultMailPoll {
		t.Fatalf("mail's defaults %d, %s, %d, %s; the configuration's %d, %s, %d, %s", defaultMaxAttempts, defaultRescueAfter,
			defaultWorkers, defaultPoll, config.DefaultMailMaxAttempts, config.DefaultMailRescueAfter, config.DefaultMailWorkers,
			config.DefaultMailPoll)
	}
}
