package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"atrium/internal/pgtest"
	"atrium/internal/store"
)

// TestOrgUsers_PlansAt100k loads an organisation of 100,000 users (and a smaller one
// sharing the users table) and checks that every Users page query is index-driven:
// no sequential scan of users, organisation_members or memberships; searches go
// through the trigram indexes.
func TestOrgUsers_PlansAt100k(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 110,000 users")
	}
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	owner := pgtest.MustUser(t, s, "big-owner@x.test")
	big := pgtest.MustOrganisation(t, s, "Big", owner)
	small := pgtest.MustOrganisation(t, s, "Small", owner)
	acc := pgtest.MustAccount(t, s, big, "Big One", owner)
	// Bulk load without the trigram indexes, then build them.
	if _, err := pool.Exec(ctx, `DROP INDEX users_full_name_trgm, users_email_trgm`); err != nil {
		t.Fatal(err)
	}
	_, err := pool.Exec(ctx, `
WITH nu AS (
	INSERT INTO users (email, full_name)
	SELECT 'user' || g || '@big' || (g % 97) || '.test', 'Person ' || g
	FROM generate_series(1, 110000) g RETURNING id),
om AS (
	INSERT INTO organisation_members (organisation_id, user_id)
	SELECT CASE WHEN id % 11 = 0 THEN $2::bigint ELSE $1::bigint END, id FROM nu RETURNING organisation_id, user_id)
INSERT INTO memberships (account_id, user_id, role_id)
SELECT $3, user_id, 5 FROM om WHERE organisation_id = $1 AND user_id % 100 = 0`, big.ID, small.ID, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `CREATE INDEX users_full_name_trgm ON users USING gin (full_name gin_trgm_ops);
		CREATE INDEX users_email_trgm ON users USING gin ((email::text) gin_trgm_ops);
		ANALYZE`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		org   int64
		query string
		page  int
		want  []string
	}{
		{"big, first page", big.ID, "", 1, []string{"users_lower_name_idx"}},
		{"small, first page", small.ID, "", 1, nil},
		{"big, page 100", big.ID, "", 100, nil},
		{"big, search email", big.ID, "user12345@", 1, []string{"users_email_trgm", "users_full_name_trgm"}},
		{"small, search name", small.ID, "person 1234", 1, []string{"users_email_trgm", "users_full_name_trgm"}},
	} {
		args := []any{tc.org, store.OrgUsersPageSize + 1, (tc.page - 1) * store.OrgUsersPageSize}
		if tc.query != "" {
			args = append(args, store.LikePattern(tc.query))
		}
		rows, err := pool.Query(ctx, "EXPLAIN (ANALYZE, COSTS OFF) "+store.OrgUsersSQL(tc.query != ""), args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		for _, bad := range []string{"Seq Scan on users", "Seq Scan on organisation_members", "Seq Scan on memberships"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s: plan has %s:\n%s", tc.name, bad, text)
			}
		}
		for _, want := range tc.want {
			if !strings.Contains(text, want) {
				t.Errorf("%s: plan does not use %s:\n%s", tc.name, want, text)
			}
		}
		start := time.Now()
		us, err := s.OrgUsers(ctx, tc.org, tc.query, tc.page)
		if err != nil || len(us) == 0 {
			t.Fatalf("%s: %d rows, %v", tc.name, len(us), err)
		}
		t.Logf("%s: %d rows in %s", tc.name, len(us), time.Since(start))
	}
}
