package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"atrium/internal/textin"
)

var fuzzSeeds = []string{
	"", "1", "42", "007", "+1", "-1", "0", " 5", "5 ", "1e3", "0x10", "9223372036854775807", "9223372036854775808",
	"999999999999999999", "1000000000000000000", "\x00", "1\x00", "\xed\xa0\x80", "\u202e1", "\u200b\u200b", "٣",
	"'; DROP TABLE users;--", "<script>alert(1)</script>", "jane@example.com", strings.Repeat("9", 1<<12),
}

func FuzzParseID(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := parseID(s)
		if !ok {
			if id != 0 {
				t.Fatalf("parseID(%q) refused with id %d", s, id)
			}
			return
		}
		if id <= 0 || strconv.FormatInt(id, 10) != s {
			t.Fatalf("parseID(%q) = %d: not the id printed that way", s, id)
		}
	})
}

// FuzzFormID decodes a posted form the way handlers do and reads an id from it.
func FuzzFormID(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add("account=" + url.QueryEscape(s))
		f.Add("account=" + s)
	}
	f.Add("account=1&account=2")
	f.Add("account=%zz")
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		id := formID(r, "account")
		if id < 0 {
			t.Fatalf("formID of %q = %d", body, id)
		}
		if id > 0 && strconv.FormatInt(id, 10) != r.PostFormValue("account") {
			t.Fatalf("formID of %q = %d, from %q", body, id, r.PostFormValue("account"))
		}
		if _, err := formTab(r); err == nil && !(r.PostFormValue("tab") == "" || r.PostFormValue("tab") == "access" || r.PostFormValue("tab") == "organisation") {
			t.Fatalf("formTab accepted %q", r.PostFormValue("tab"))
		}
	})
}

// FuzzRoleForm decodes the role form and turns it back into form values, as a refused
// form is re-rendered.
func FuzzRoleForm(f *testing.F) {
	for _, s := range fuzzSeeds {
		q := url.QueryEscape(s)
		f.Add("name=" + q + "&permissions=" + q + "&lists=" + q + "&campaigns=" + q)
	}
	f.Add("name=Reviewers&permissions=campaigns.view&lists=1&lists=2&campaigns=3")
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		in, err := roleInput(r)
		if err != nil {
			return // an unreadable body is refused before any role is read
		}
		form := roleFormOf(in)
		for id := range form.Lists {
			if !containsID(in.Lists, id) {
				t.Fatalf("list %d was not in the form %q", id, body)
			}
		}
		for id := range form.Campaigns {
			if !containsID(in.Campaigns, id) {
				t.Fatalf("campaign %d was not in the form %q", id, body)
			}
		}
	})
}

func containsID(raw []string, id int64) bool {
	for _, v := range raw {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n == id {
			return true
		}
	}
	return false
}

// FuzzLoginEmailCookie decodes the sign-in email cookie: only an address exactly as the
// email step accepts it comes out, and every such address survives the round trip.
func FuzzLoginEmailCookie(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
		f.Add(encodeLoginEmail(s))
	}
	f.Add(encodeLoginEmail("jane@example.com"))
	f.Add(encodeLoginEmail("JANE@example.com"))
	f.Add(encodeLoginEmail("jane@example.com\x00"))
	f.Add(encodeLoginEmail(strings.Repeat("a", 250) + "@x.io"))
	f.Fuzz(func(t *testing.T, v string) {
		got := decodeLoginEmail(v)
		if got != "" {
			if e, err := textin.Email(got); err != nil || e != got {
				t.Fatalf("cookie %q gave %q, which the email step refuses", v, got)
			}
		}
		if e, err := textin.Email(v); err == nil && decodeLoginEmail(encodeLoginEmail(e)) != e {
			t.Fatalf("the address %q does not survive the cookie", e)
		}
	})
}

// FuzzSafeNext: a next path accepted is a path on this site, as browsers read it.
func FuzzSafeNext(f *testing.F) {
	for _, s := range append(fuzzSeeds, "/a/acme/", "/a/acme/lists?q=x#top", "//evil.test", "/\\evil.test", "https://evil.test/",
		"javascript:alert(1)", "/%2F%2Fevil", "/a/\u202ex", "/a\n/", "\\\\evil", "/ok/../../x") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := safeNext(s)
		if n == "" {
			return
		}
		u, err := url.Parse(n)
		if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") ||
			strings.ContainsAny(n, "\\\r\n\t") {
			t.Fatalf("safeNext(%q) = %q", s, n)
		}
		// Resolved against this site, it stays on this site.
		base, _ := url.Parse("https://atrium.test/x")
		if got := base.ResolveReference(u); got.Host != "atrium.test" {
			t.Fatalf("safeNext(%q) leads to %s", s, got)
		}
	})
}
