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

// TestCheckWrites: an acknowledged list must be in the database under the id its
// redirect named and with its name; a list of the same name made by another write
// does not stand in for it.
func TestCheckWrites(t *testing.T) {
	list := func(id int64, name string, acked bool) writeAttempt {
		return writeAttempt{kind: "list", account: "soak-00", name: name, id: id, acked: acked}
	}
	campaign := func(id int64, name string, acked bool) writeAttempt {
		return writeAttempt{kind: "campaign", account: "soak-00", name: name, id: id, acked: acked}
	}
	campaigns := map[int64]string{1: "c1", 2: "renamed"}
	lists := map[int64]string{5: "l5", 6: "same", 8: "late"}
	for _, c := range []struct {
		name            string
		writes          []writeAttempt
		lost, committed int
		acked, notAcked int
	}{
		{"every acknowledged write is there", []writeAttempt{list(5, "l5", true), campaign(1, "c1", true), campaign(2, "c2", true)}, 0, 0, 3, 0},
		{"a list missing under its id", []writeAttempt{list(5, "l5", true), list(9, "l9", true)}, 1, 0, 2, 0},
		{"a list whose name another list carries", []writeAttempt{list(6, "same", true), list(7, "same", true)}, 1, 0, 2, 0},
		{"a list under its id with another name", []writeAttempt{list(5, "other", true)}, 1, 0, 1, 0},
		{"an acknowledged list without an id", []writeAttempt{list(0, "l5", true)}, 1, 0, 1, 0},
		{"a campaign missing under its id", []writeAttempt{campaign(3, "c1", true)}, 1, 0, 1, 0},
		{"unacknowledged writes that committed", []writeAttempt{list(0, "late", false), campaign(0, "c1", false), list(0, "never", false)}, 0, 2, 0, 3},
	} {
		got := checkWrites(campaigns, lists, [][]writeAttempt{c.writes})
		if len(got.lost) != c.lost || got.committedUnacked != c.committed || got.acked != c.acked || got.unacked != c.notAcked {
			t.Errorf("%s: lost %q, %d committed unacknowledged, %d/%d acknowledged/not; want %d lost, %d, %d/%d",
				c.name, got.lost, got.committedUnacked, got.acked, got.unacked, c.lost, c.committed, c.acked, c.notAcked)
		}
	}
}
