package server_test

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"atrium/internal/app"
	"atrium/internal/auth"
	"atrium/internal/config"
	"atrium/internal/pgtest"
	"atrium/internal/server"
	"atrium/internal/store"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/routes.golden from the router")

const routesGolden = "testdata/routes.golden"

// guardName is a guard as written in the golden file.
func guardName(g server.Guard) string {
	switch g.Kind {
	case server.KindPublic:
		return "public"
	case server.KindUser:
		return "user"
	case server.KindOrgOwner:
		return "org-owner"
	case server.KindStaff:
		return "staff"
	case server.KindAccount:
		return "account:" + string(g.Permission)
	}
	return fmt.Sprintf("kind(%d) %s", g.Kind, g.Permission)
}

// TestRouteGuardsGolden pins every route of the real router with its guard to
// testdata/routes.golden. The route matrix derives its expectations from the declared
// guards, so a weakened guard would pass it; here any change to a route or a guard
// fails until the golden file is regenerated, and the change is a reviewed diff in the
// same commit.
func TestRouteGuardsGolden(t *testing.T) {
	// No database: building the router touches none.
	a := app.New(store.New(nil), auth.NewHasher(pgtest.FastParams, 1), "http://atrium.test")
	srv, _ := server.New(a, config.Config{BaseURL: "http://atrium.test", SessionLife: time.Hour},
		slog.New(slog.NewTextHandler(io.Discard, nil)), func() (bool, error) { return false, nil })
	guards := srv.Guards()
	var lines []string
	for _, r := range walkRoutes(t, srv) {
		lines = append(lines, fmt.Sprintf("%-4s %s  %s", r.method, r.pattern, guardName(guards[r.method+" "+r.pattern])))
	}
	slices.Sort(lines)
	got := "# Every route with its guard. Regenerate after a deliberate change with\n" +
		"#   go test ./internal/server -run TestRouteGuardsGolden -update\n" +
		"# and review the diff: a guard that changes here changes who may call the route.\n" +
		strings.Join(lines, "\n") + "\n"

	path := filepath.FromSlash(routesGolden)
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d routes)", path, len(lines))
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v\nCreate it with: go test ./internal/server -run TestRouteGuardsGolden -update", err)
	}
	if want := string(b); want != got {
		t.Fatalf("routes or guards differ from %s (- golden, + router):\n%s\n"+
			"If the change is intended, regenerate the file and commit it with the change:\n"+
			"  go test ./internal/server -run TestRouteGuardsGolden -update", routesGolden, lineDiff(want, got))
	}
}

// lineDiff lists the lines only in want (-) and only in got (+), in order.
func lineDiff(want, got string) string {
	count := func(s string) map[string]int {
		m := map[string]int{}
		for _, l := range strings.Split(s, "\n") {
			m[l]++
		}
		return m
	}
	inWant, inGot := count(want), count(got)
	var out []string
	for _, l := range strings.Split(want, "\n") {
		if inGot[l] > 0 {
			inGot[l]--
		} else {
			out = append(out, "- "+l)
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if inWant[l] > 0 {
			inWant[l]--
		} else {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}
