package main

import (
	"slices"
	"testing"
)

// TestJudge: only the expected answer is a success; a 503 counts as the outage's only
// with Retry-After; a redirect to sign in is a lost session, not a success.
func TestJudge(t *testing.T) {
	for _, c := range []struct {
		a       answer
		want    int
		wantLoc string
		class   class
	}{
		{answer{status: 200}, 200, "", classOK},
		{answer{status: 303, location: "/a/x/campaigns/7"}, 303, "/a/x/campaigns/", classOK},
		{answer{status: 303, location: "/a/y/"}, 303, "/a/x/", classUnexpected},
		{answer{status: 503, retryAfter: "5"}, 200, "", classUnavailable},
		{answer{status: 503}, 200, "", class503Bare},
		{answer{status: 500}, 200, "", classServerError},
		{answer{status: 502, retryAfter: "5"}, 200, "", classServerError},
		{answer{status: 303, location: "/login?next=%2Fa%2Fx%2F"}, 200, "", classSignedOut},
		{answer{status: 403}, 200, "", classUnexpected},
	} {
		if got := judge(c.a, c.want, c.wantLoc); got != c.class {
			t.Errorf("judge(%+v, %d, %q) = %s, want %s", c.a, c.want, c.wantLoc, got, c.class)
		}
	}
}

// TestAllowedNames: after renames, a campaign carries its last acknowledged name, or
// that of a later rename whose answer was lost; an earlier name means an acknowledged
// rename was lost.
func TestAllowedNames(t *testing.T) {
	r := func(name string, acked bool) writeAttempt {
		return writeAttempt{kind: "rename", name: name, acked: acked}
	}
	for _, c := range []struct {
		rs   []writeAttempt
		want []string
	}{
		{nil, []string{"c"}},
		{[]writeAttempt{r("r1", false)}, []string{"c", "r1"}},
		{[]writeAttempt{r("r1", true), r("r2", true)}, []string{"r2"}},
		{[]writeAttempt{r("r1", true), r("r2", false), r("r3", true), r("r4", false)}, []string{"r3", "r4"}},
	} {
		if got := allowedNames("c", c.rs); !slices.Equal(got, c.want) {
			t.Errorf("allowedNames(c, %v) = %q, want %q", c.rs, got, c.want)
		}
	}
}
