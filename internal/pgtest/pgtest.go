// Package pgtest gives each test a throwaway PostgreSQL database cloned from a migrated
// template (fast), and Must* fixtures on top of it. It reads the server from
// DATABASE_URL (any database on it; the role must be allowed to create databases).
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/store"
	"atrium/migrations"
)

// DefaultURL is tried when DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// ServerURL returns the PostgreSQL URL tests use, with the database replaced by name.
func ServerURL(name string) (string, error) {
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		u = DefaultURL
	}
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", userinfo(cfg), cfg.Host, cfg.Port, name), nil
}

func userinfo(cfg *pgx.ConnConfig) string {
	if cfg.Password != "" {
		return cfg.User + ":" + cfg.Password
	}
	return cfg.User
}

// New returns a pool on a fresh, migrated database that is dropped when t ends, and
// the URL of that database.
func New(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	ctx := context.Background()
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(ctx) })
	if templateErr != nil {
		t.Fatalf("pgtest: template database: %v (is PostgreSQL running? make test starts one)", templateErr)
	}
	url := createDB(t, "atrium_t_", templateName)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool, url
}

// createDB creates a database named prefix and random hex, from template (when not
// "") and dropped when t ends, and returns its URL. Cleanups run last in first out,
// so the drop comes after the cleanups the caller registers later (closing its pool).
func createDB(t testing.TB, prefix, template string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := adminConn(ctx)
	if err != nil {
		t.Fatalf("pgtest: %v (is PostgreSQL running? make test starts one)", err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	create := `CREATE DATABASE ` + name
	if template != "" {
		create += ` TEMPLATE ` + template
	}
	if _, err := admin.Exec(ctx, create); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		c, err := adminConn(context.Background())
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	})
	url, _ := ServerURL(name)
	return url
}

func adminConn(ctx context.Context) (*pgx.Conn, error) {
	url, err := ServerURL("postgres")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return pgx.Connect(ctx, url)
}

// ensureTemplate creates (once per migration set, across concurrent test binaries)
// a migrated template database and returns its name.
func ensureTemplate(ctx context.Context) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	if err != nil {
		return "", err
	}
	name := "atrium_tpl_" + hex.EncodeToString(h.Sum(nil))[:12]
	admin, err := adminConn(ctx)
	if err != nil {
		return "", err
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(724100)`); err != nil {
		return "", err
	}
	defer admin.Exec(ctx, `SELECT pg_advisory_unlock(724100)`) //nolint:errcheck
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_build"
	_, _ = admin.Exec(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+building); err != nil {
		return "", err
	}
	url, _ := ServerURL(building)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return "", err
	}
	err = store.Migrate(ctx, pool)
	pool.Close()
	if err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, `ALTER DATABASE `+building+` RENAME TO `+name); err != nil {
		return "", err
	}
	return name, nil
}

// Empty returns the URL of a fresh database with nothing in it (no migration applied),
// dropped when t ends: for tests of what happens when servers migrate it.
func Empty(t testing.TB) string {
	t.Helper()
	return createDB(t, "atrium_e_", "")
}
