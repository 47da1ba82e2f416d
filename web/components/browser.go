package components

import "strings"

// Browser names a browser and its system from a User-Agent header ("Firefox on
// Windows"); what it cannot tell shows as the header itself, shortened.
func Browser(ua string) string {
	if strings.TrimSpace(ua) == "" {
		return "Unknown browser"
	}
	name := firstMatch(ua, [][2]string{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chromium/", "Chromium"},
		{"HeadlessChrome/", "Chrome (headless)"}, {"CriOS/", "Chrome"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	})
	system := firstMatch(ua, [][2]string{
		{"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Android", "Android"}, {"CrOS", "ChromeOS"},
		{"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Linux", "Linux"},
	})
	switch {
	case name != "" && system != "":
		return name + " on " + system
	case name != "":
		return name
	}
	if len(ua) > 60 {
		return strings.ToValidUTF8(ua[:60], "") + "…"
	}
	return ua
}

func firstMatch(ua string, table [][2]string) string {
	for _, m := range table {
		if strings.Contains(ua, m[0]) {
			return m[1]
		}
	}
	return ""
}
