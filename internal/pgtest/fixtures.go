package pgtest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// Password is the password of every user made by MustUser.
const Password = "correct horse battery"

// SecretKey seals two-factor secrets in tests (ATRIUM_SECRET_KEY).
var SecretKey = []byte("atrium-test-secret-key-32-bytes!")

// FastParams keep fixture hashing cheap; the production parameters are tested in auth.
var FastParams = auth.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

var (
	seq       atomic.Int64
	fixedHash string
)

func init() {
	h, err := auth.NewHasher(FastParams, 1).Hash(context.Background(), Password)
	if err != nil {
		panic(err)
	}
	fixedHash = h
}

// Unique returns a short string unique within the test binary.
func Unique(prefix string) string { return fmt.Sprintf("%s-%d", prefix, seq.Add(1)) }

// MustUser creates a user with Password.
func MustUser(t testing.TB, s *store.Store, email string) domain.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), email, "User "+email, fixedHash, false)
	if err != nil {
		t.Fatalf("MustUser(%s): %v", email, err)
	}
	return u
}

// MustOrganisation creates an organisation owned by owner.
func MustOrganisation(t testing.TB, s *store.Store, name string, owner domain.User) domain.Organisation {
	t.Helper()
	ctx := context.Background()
	o, err := s.CreateOrganisation(ctx, Unique("org"), name)
	if err != nil {
		t.Fatalf("MustOrganisation: %v", err)
	}
	if err := s.AddOrganisationOwner(ctx, o.ID, owner.ID); err != nil {
		t.Fatalf("MustOrganisation owner: %v", err)
	}
	return o
}

// MustAccount creates an account in org owned by owner.
func MustAccount(t testing.TB, s *store.Store, org domain.Organisation, name string, owner domain.User) domain.Account {
	t.Helper()
	ctx := context.Background()
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	a, err := tx.CreateAccount(ctx, store.NewAccount{OrganisationID: org.ID, Slug: Unique("acct"), Name: name, Plan: "team",
		SeatLimit: 25, OwnerUserID: owner.ID})
	if err != nil {
		t.Fatalf("MustAccount: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("MustAccount commit: %v", err)
	}
	return a
}

// MustGrant gives user the role in account.
func MustGrant(t testing.TB, s *store.Store, a domain.Account, u domain.User, roleID int64) {
	t.Helper()
	ctx := context.Background()
	if err := s.AddMembership(ctx, a.ID, u.ID, roleID); err != nil {
		t.Fatalf("MustGrant: %v", err)
	}
	if err := s.AddOrganisationMember(ctx, a.OrganisationID, u.ID); err != nil {
		t.Fatalf("MustGrant: %v", err)
	}
}
