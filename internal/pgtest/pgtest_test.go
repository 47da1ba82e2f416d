package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"atrium/internal/store"
)

// TestNewAndEmpty: New gives a migrated database, Empty one with nothing in it; each is
// its own, and both are dropped when their test ends.
func TestNewAndEmpty(t *testing.T) {
	ctx := context.Background()
	var migrated, empty string
	t.Run("databases", func(t *testing.T) {
		pool, url := New(t)
		migrated = url
		if pending, err := store.Pending(ctx, pool); err != nil || pending {
			t.Errorf("New: migrations pending %v (%v), want none", pending, err)
		}
		empty = Empty(t)
		if empty == migrated {
			t.Fatalf("Empty and New gave the same database %s", empty)
		}
		conn, err := pgx.Connect(ctx, empty)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var tables int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("Empty: %d tables, want none", tables)
		}
	})
	admin, err := adminConn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	for _, url := range []string{migrated, empty} {
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			t.Fatal(err)
		}
		var exists bool
		if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, cfg.Database).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		if exists {
			t.Errorf("database %s still there after its test ended", cfg.Database)
		}
	}
}
