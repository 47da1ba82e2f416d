package app

import (
	"context"
	"testing"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/pgtest"
	"atrium/internal/store"
)

// TestAnswerExists_NeverBeyondTheLimit calls the answer itself, past the check made
// before CreateOrgUser's transaction (as concurrent requests can): each answer within
// the limit is audited, and the one beyond it is ETOOMANY and records nothing.
func TestAnswerExists_NeverBeyondTheLimit(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	a := New(s, auth.NewHasher(pgtest.FastParams, 1), "http://127.0.0.1")
	ctx := context.Background()
	owner := pgtest.MustUser(t, s, pgtest.Unique("owner")+"@probe.test")
	org := pgtest.MustOrganisation(t, s, "Probed", owner)
	actor := Actor{UserID: owner.ID, Email: owner.Email}
	events := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE organisation_id = $1 AND action LIKE 'Users > Create > already exists > %'`,
			org.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := 1; i <= ExistsProbeLimit; i++ {
		err := a.answerExists(ctx, actor, org.Slug, "taken@probe.test")
		if e, ok := err.(*domain.Error); !ok || e.Field != "email" || e.Message != "Sorry, that user already exists." {
			t.Fatalf("answer %d: %v", i, err)
		}
		if events() != i {
			t.Fatalf("answer %d: %d audit events", i, events())
		}
	}
	err := a.answerExists(ctx, actor, org.Slug, "taken@probe.test")
	if domain.ErrorCode(err) != domain.ETOOMANY || domain.ErrorRetryAfter(err) <= 0 {
		t.Fatalf("answer beyond the limit: %v, want ETOOMANY with a wait", err)
	}
	if events() != ExistsProbeLimit {
		t.Fatalf("the refused answer was audited: %d events", events())
	}
	if err := a.checkExistsProbes(ctx, actor); domain.ErrorCode(err) != domain.ETOOMANY {
		t.Fatalf("check after the limit: %v, want ETOOMANY", err)
	}
}
