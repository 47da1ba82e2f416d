package server_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/pgcluster"
	"atrium/internal/pgtest"
	"atrium/internal/store"
)

// envSkipRestart, set to 1, lets TestDatabaseRestart skip on a machine without
// PostgreSQL's server programs (initdb, postgres); without it the test fails there.
const envSkipRestart = "ATRIUM_SKIP_PG_RESTART"

// TestDatabaseRestart_503ThenBackWithNothingLost shuts a real PostgreSQL down (fast
// shutdown, as pg_ctl restart -m fast does; a private cluster of the test's own, so
// nothing else is touched) while a signed-in user keeps using the server, then starts
// it again: meanwhile pages, a write, sign-in and /readyz answer 503 (pages with
// Retry-After), never 500; once it is back /readyz answers 200, the same session works
// without signing in again, and the write acknowledged before the restart is there.
func TestDatabaseRestart_503ThenBackWithNothingLost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cluster, err := pgcluster.New(ctx, pgcluster.Options{Prefix: "atrium-test"})
	if err != nil {
		if os.Getenv(envSkipRestart) == "1" {
			t.Skipf("%v (%s=1)", err, envSkipRestart)
		}
		t.Fatalf("private PostgreSQL cluster: %v (set %s=1 to skip this test)", err, envSkipRestart)
	}
	t.Cleanup(func() {
		if err := cluster.Remove(); err != nil {
			t.Error(err)
		}
	})
	if err := cluster.CreateDatabase(ctx, "atrium"); err != nil {
		t.Fatal(err)
	}
	dbURL := cluster.URL("atrium")
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	err = store.Migrate(ctx, pool)
	pool.Close()
	if err != nil {
		t.Fatal(err)
	}
	e := serveEnv(t, dbURL, envOptions{})
	w := e.world()
	c := e.client()
	c.login(w.Agency.Email, pgtest.Password)
	base := "/a/" + w.AccA1.Slug
	if res, body := c.post(base+"/campaigns", url.Values{"name": {"Before the restart"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("creating a campaign: %d\n%s", res.StatusCode, body)
	}

	if err := cluster.Stop(pgcluster.Fast); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{base + "/", base + "/campaigns", "/profile"} {
		if res, body := c.get(path); res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
			t.Errorf("GET %s while PostgreSQL is down: %d (Retry-After %q)\n%s", path, res.StatusCode, res.Header.Get("Retry-After"), body)
		}
	}
	if res, body := c.post(base+"/campaigns", url.Values{"name": {"During the outage"}}); res.StatusCode != http.StatusServiceUnavailable ||
		res.Header.Get("Retry-After") == "" {
		t.Errorf("a write while PostgreSQL is down: %d (Retry-After %q)\n%s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if res, body := e.client().post("/login", url.Values{"email": {w.Viewer.Email}}); res.StatusCode != http.StatusServiceUnavailable ||
		!strings.Contains(body, "try again") {
		t.Errorf("sign-in while PostgreSQL is down: %d\n%s", res.StatusCode, body)
	}
	if res, _ := c.get("/readyz"); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz while PostgreSQL is down: %d", res.StatusCode)
	}

	if err := cluster.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// The pool's connections died with the server: each is found broken on its next
	// use (503) and replaced. Readiness and the page come back within the minute.
	var ready, page int
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		res, _ := c.get("/readyz")
		if ready = res.StatusCode; ready != http.StatusOK {
			continue
		}
		res, body := c.get(base + "/campaigns")
		if page = res.StatusCode; page == http.StatusOK {
			if !strings.Contains(body, "Before the restart") {
				t.Fatalf("the campaign created before the restart is not listed after it:\n%s", body)
			}
			break
		}
		if page != http.StatusServiceUnavailable {
			t.Fatalf("GET %s/campaigns after the restart: %d, want 200 (or 503 while the pool reconnects)", base, page)
		}
	}
	if ready != http.StatusOK || page != http.StatusOK {
		t.Fatalf("after the restart: /readyz %d, page %d with the same session; want 200 and 200", ready, page)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM campaigns WHERE name = 'Before the restart'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d campaigns written before the restart are in the database (%v), want 1", n, err)
	}
}
