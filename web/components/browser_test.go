package components

import (
	"strings"
	"testing"
)

func TestBrowser(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0":                                          "Firefox on Windows",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15":     "Safari on macOS",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36":                     "Chrome on Linux",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0": "Edge on Windows",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148": "Chrome on iOS",
		"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36":              "Chrome on Android",
		"Go-http-client/1.1": "Go-http-client/1.1",
		"":                   "Unknown browser",
	} {
		if got := Browser(ua); got != want {
			t.Errorf("Browser(%q) = %q, want %q", ua, got, want)
		}
	}
	if got := Browser(strings.Repeat("x", 100)); len(got) > 64 || !strings.HasSuffix(got, "…") {
		t.Errorf("long unknown agent not shortened: %q", got)
	}
}
