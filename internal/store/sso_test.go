package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
	"atrium/internal/store"
)

func TestSSO_ReplayCacheAcceptsAnAssertionOnce(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	owner := pgtest.MustUser(t, s, "owner@a.test")
	org := pgtest.MustOrganisation(t, s, "Alpha", owner)
	c, err := s.CreateSSOConnection(ctx, domain.SSOConnection{OrganisationID: org.ID, Name: "SAML", Protocol: domain.ProtocolSAML,
		IdPMetadataXML: "<x/>"})
	if err != nil {
		t.Fatal(err)
	}
	// Ten instances accept the same assertion at once: one succeeds.
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, replayed := 0, 0
	for range 10 {
		wg.Go(func() {
			err := s.ConsumeSAMLAssertion(ctx, c.ID, "_assertion-1", time.Now().Add(time.Minute))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrReplayed):
				replayed++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ok != 1 || replayed != 9 {
		t.Fatalf("accepted %d times, refused as replayed %d times", ok, replayed)
	}
	// Expired entries are forgotten by the cleanup; live ones are kept.
	if _, err := pool.Exec(ctx, `INSERT INTO sso_saml_assertions (connection_id, assertion_id, expires_at) VALUES ($1, '_old', now() - interval '1 minute')`, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteStaleSSO(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM sso_saml_assertions`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d assertions kept (%v), want the live one", n, err)
	}
}

func TestSSO_ConnectionsBelongToTheirOrganisation(t *testing.T) {
	pool, _ := pgtest.New(t)
	s := store.New(pool)
	ctx := context.Background()
	a, b := pgtest.MustUser(t, s, "a@a.test"), pgtest.MustUser(t, s, "b@b.test")
	orgA, orgB := pgtest.MustOrganisation(t, s, "Alpha", a), pgtest.MustOrganisation(t, s, "Beta", b)
	accB := pgtest.MustAccount(t, s, orgB, "Beta Main", b)
	c, err := s.CreateSSOConnection(ctx, domain.SSOConnection{OrganisationID: orgA.ID, Name: "Alpha IdP", Protocol: domain.ProtocolOIDC})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SSOConnection(ctx, orgB.ID, c.ID); !store.IsNotFound(err) {
		t.Fatalf("B reading A's connection: %v", err)
	}
	if err := s.UpdateSSOConnection(ctx, orgB.ID, domain.SSOConnection{ID: c.ID, Name: "Taken"}); !store.IsNotFound(err) {
		t.Fatalf("B editing A's connection: %v", err)
	}
	if err := s.SetAccountSecurity(ctx, accB.ID, "sso", c.ID, false, false); !store.IsNotFound(err) {
		t.Fatalf("B's account taking A's connection: %v", err)
	}
	if err := s.SetAccountSecurity(ctx, accB.ID, "sso", 0, false, false); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("SSO without a connection: %v", err)
	}
}
