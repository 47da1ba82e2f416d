package server

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"atrium/internal/domain"
	"atrium/internal/textin"
)

// maxNextLen bounds a next path carried through sign-in steps.
const maxNextLen = 1000

// safeNext returns next when it is a path on this site to send the browser to after a
// step ("/a/acme/lists?q=x"), else "". It must start with one "/" (not "//" or "/\",
// which browsers read as another host), carry no scheme or host, and be text without
// control characters.
func safeNext(next string) string {
	if next == "" || len(next) > maxNextLen || !utf8.ValidString(next) || next[0] != '/' ||
		strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') ||
		strings.IndexFunc(next, textin.IsLineBreakOrControl) >= 0 || strings.IndexFunc(next, textin.IsBidi) >= 0 {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return ""
	}
	return next
}

// errBadNext refuses a posted next that is not a path on this site.
var errBadNext = domain.FieldError("next", "That is not a page of this site.")

// formNext reads the posted next: "" when none, errBadNext when it is not a safe
// same-site path (refused before anything else is done).
func formNext(r *http.Request) (string, error) {
	v := r.PostFormValue("next")
	if v == "" {
		return "", nil
	}
	if safeNext(v) == "" {
		return "", errBadNext
	}
	return v, nil
}
