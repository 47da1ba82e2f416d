package server

import "testing"

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/a/acme/":               "/a/acme/",
		"/a/acme/lists?q=x":      "/a/acme/lists?q=x",
		"":                       "",
		"//evil.test/":           "",
		"/\\evil.test":           "",
		"https://evil.test/":     "",
		"javascript:alert(1)":    "",
		"a/relative":             "",
		"/a/\u202eevil":          "",
		"/a/x\r\nSet-Cookie: x=": "",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
