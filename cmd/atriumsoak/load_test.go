package main

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestWriteNamesDifferBetweenRuns: two runs that make the same choices (the same
// user, operation numbers and random draws) still write under different names, so
// that a write acknowledged in one run is never taken for a write of another. Every
// kind of write is made: campaigns, lists, and renames of acknowledged campaigns.
func TestWriteNamesDifferBetweenRuns(t *testing.T) {
	// Every write is acknowledged with a redirect to the new campaign or list 7.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path+"/7", http.StatusSeeOther)
	}))
	defer srv.Close()
	names := func(run string) []string {
		l := &userLoad{u: soakUser{n: 3, home: "soak-00", other: "soak-01"}, run: run, b: newBrowser(srv.Client().Transport),
			cur: "soak-00", rnd: rand.New(rand.NewPCG(1, 2))}
		for range 30 {
			l.n++
			l.write(context.Background(), srv.URL, newRecorder())
		}
		var out []string
		kinds := map[string]int{}
		for _, w := range l.writes {
			if !w.acked {
				t.Fatalf("run %s: write %+v not acknowledged", run, w)
			}
			out = append(out, w.name)
			kinds[w.kind]++
		}
		if kinds["campaign"] == 0 || kinds["list"] == 0 || kinds["rename"] == 0 {
			t.Fatalf("run %s: writes %v, want campaigns, lists and renames", run, kinds)
		}
		return out
	}
	first := map[string]bool{}
	for _, n := range names("1") {
		if first[n] {
			t.Errorf("run 1 writes %q twice", n)
		}
		first[n] = true
	}
	for _, n := range names("2") {
		if first[n] {
			t.Errorf("runs 1 and 2 both write %q", n)
		}
	}
}
