package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"atrium/internal/pgtest"
	"atrium/migrations"
)

// TestRiverMigrations_MatchThePinnedRiver: the job queue's tables come from our goose
// migrations, not from river's migrator. The river in go.mod must find nothing to
// migrate (an upgraded river with a new version fails here until its SQL is added),
// and the tables, columns, indexes, constraints, functions and enum our migration
// builds must be the ones river's own migrator builds (here in a schema of its own).
func TestRiverMigrations_MatchThePinnedRiver(t *testing.T) {
	pool, _ := pgtest.New(t)
	ctx := context.Background()
	ours, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ours.Validate(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK {
		t.Fatalf("river (as pinned in go.mod) finds its tables out of date: %v\n"+
			"Add the SQL of river's new migration versions in a goose migration.", res.Messages)
	}
	existing, err := ours.ExistingVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if all := ours.AllVersions(); len(existing) != len(all) || existing[len(existing)-1].Version != all[len(all)-1].Version {
		t.Fatalf("river_migration lists %d versions; river knows %d", len(existing), len(all))
	}

	if _, err := pool.Exec(ctx, `CREATE SCHEMA river_ref`); err != nil {
		t.Fatal(err)
	}
	ref, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Schema: "river_ref"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ref.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		t.Fatal(err)
	}
	got, want := riverCatalog(t, pool, "public"), riverCatalog(t, pool, "river_ref")
	if !slices.Equal(got, want) {
		t.Fatalf("the goose migration's river schema differs from river's own:\n%s", catalogDiff(want, got))
	}
}

// TestRiverMigrations_DownAndUpAgain: the river migration and the one after it go down
// and come back up.
func TestRiverMigrations_DownAndUpAgain(t *testing.T) {
	pool, _ := pgtest.New(t)
	ctx := context.Background()
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	if n := riverTables(t, db); n != 0 {
		t.Fatalf("%d river tables left after going down", n)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if n := riverTables(t, db); n == 0 {
		t.Fatal("no river tables after going up again")
	}
}

func riverTables(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'river%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// riverCatalog describes river's objects in schema, one line each, with the schema's
// name taken out.
func riverCatalog(t *testing.T, pool *pgxpool.Pool, schema string) []string {
	t.Helper()
	queries := []string{
		`SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || udt_name || ' null=' || is_nullable ||
			' default=' || coalesce(column_default, '')
			FROM information_schema.columns WHERE table_schema = $1 AND table_name LIKE 'river%'`,
		`SELECT 'index ' || tablename || ' ' || indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename LIKE 'river%'`,
		`SELECT 'constraint ' || cl.relname || ' ' || co.conname || ' ' || pg_get_constraintdef(co.oid)
			FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
			WHERE n.nspname = $1 AND cl.relname LIKE 'river%'`,
		`SELECT 'function ' || p.proname || ' ' || pg_get_function_identity_arguments(p.oid) || ' ' || md5(p.prosrc)
			FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname LIKE 'river%'`,
		`SELECT 'enum ' || ty.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
			FROM pg_type ty JOIN pg_enum e ON e.enumtypid = ty.oid JOIN pg_namespace n ON n.oid = ty.typnamespace
			WHERE n.nspname = $1 GROUP BY ty.typname`,
		`SELECT 'trigger ' || c.relname || ' ' || tg.tgname FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname LIKE 'river%' AND NOT tg.tgisinternal`,
		`SELECT 'table ' || c.relname || ' persistence=' || c.relpersistence::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relname LIKE 'river%' AND c.relkind = 'r'`,
	}
	var out []string
	for _, q := range queries {
		rows, err := pool.Query(context.Background(), q, schema)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			out = append(out, strings.ReplaceAll(line, schema+".", ""))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	slices.Sort(out)
	if len(out) < 10 {
		t.Fatalf("schema %s: only %d river objects found", schema, len(out))
	}
	return out
}

func catalogDiff(want, got []string) string {
	var b strings.Builder
	for _, l := range want {
		if !slices.Contains(got, l) {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	for _, l := range got {
		if !slices.Contains(want, l) {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}
