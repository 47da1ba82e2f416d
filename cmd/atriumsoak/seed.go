package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// soakPassword is every soak user's password. They share one hash made with the
// production parameters, so each sign-in costs a real argon2id verification.
const soakPassword = "soak-correct-horse-7"

// soakUser is a seeded user: administrator of two accounts, home (the favourite) and
// other, between which the load switches.
type soakUser struct {
	n     int
	email string
	home  string // account slugs
	other string
}

// seedData creates organisation "soak" with accounts accounts (enterprise plan, room
// for everyone and every invitation) and users users, user i administrator of
// accounts i and i+1 (mod accounts), in one transaction, through the store.
func seedData(ctx context.Context, pool *pgxpool.Pool, users, accounts int) ([]soakUser, error) {
	hash, err := auth.NewHasher(auth.DefaultParams, 1).Hash(ctx, soakPassword)
	if err != nil {
		return nil, err
	}
	st := store.New(pool)
	tx, err := st.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	owner, err := tx.CreateUser(ctx, "owner@soak.test", "Soak Owner", hash, false)
	if err != nil {
		return nil, err
	}
	org, err := tx.CreateOrganisation(ctx, "soak", "Soak")
	if err != nil {
		return nil, err
	}
	if err := tx.AddOrganisationOwner(ctx, org.ID, owner.ID); err != nil {
		return nil, err
	}
	accs := make([]domain.Account, accounts)
	for i := range accs {
		if accs[i], err = tx.CreateAccount(ctx, store.NewAccount{OrganisationID: org.ID, Slug: fmt.Sprintf("soak-%02d", i),
			Name: fmt.Sprintf("Soak %02d", i), Plan: "enterprise", SeatLimit: 100000, OwnerUserID: owner.ID}); err != nil {
			return nil, fmt.Errorf("account %d: %w", i, err)
		}
	}
	out := make([]soakUser, users)
	for i := range out {
		email := fmt.Sprintf("soak%04d@soak.test", i)
		u, err := tx.CreateUser(ctx, email, fmt.Sprintf("Soak User %04d", i), hash, false)
		if err != nil {
			return nil, fmt.Errorf("user %s: %w", email, err)
		}
		home, other := accs[i%accounts], accs[(i+1)%accounts]
		for _, a := range []domain.Account{home, other} {
			if err := tx.AddMembership(ctx, a.ID, u.ID, domain.AdministratorRoleID); err != nil {
				return nil, err
			}
		}
		if err := tx.AddOrganisationMember(ctx, org.ID, u.ID); err != nil {
			return nil, err
		}
		if err := tx.SetFavourite(ctx, u.ID, home.ID); err != nil {
			return nil, err
		}
		out[i] = soakUser{n: i, email: email, home: home.Slug, other: other.Slug}
	}
	return out, tx.Commit(ctx)
}
