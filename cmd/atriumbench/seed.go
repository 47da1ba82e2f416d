package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"atrium/internal/app"
	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// benchPassword is every seeded user's password. They share one hash made with the
// production parameters, so each sign-in costs a real argon2id verification.
const benchPassword = "bench-correct-horse-7"

// seeded is what the load runs need to know about the seeded data.
type seeded struct {
	users     []string // emails, all with benchPassword
	accounts  []string
	demoUsers int
}

// seedAccounts are the demo accounts the bench users join, in turn.
var seedAccounts = []string{"globex-marketing", "northwind-retail", "northwind-travel"}

// seedRoles are the roles given in turn (never Owner: each account keeps its one owner).
var seedRoles = []int64{domain.ViewerRoleID, domain.EditorRoleID, domain.ListManagerRoleID, domain.AdministratorRoleID}

// seed creates n users in one transaction, each with a membership in a demo account
// (also their favourite, so the login policy is read from it) and a listing on that
// account's organisation. The demo data must be loaded already (the server does that
// on start in dev mode).
func seed(ctx context.Context, pool *pgxpool.Pool, n int) (seeded, error) {
	out := seeded{accounts: seedAccounts, demoUsers: len(app.DemoLogins)}
	hash, err := auth.NewHasher(auth.DefaultParams, 1).Hash(ctx, benchPassword)
	if err != nil {
		return out, err
	}
	st := store.New(pool)
	tx, err := st.Begin(ctx)
	if err != nil {
		return out, err
	}
	defer tx.Rollback(ctx)
	accounts := make([]domain.Account, len(seedAccounts))
	for i, slug := range seedAccounts {
		if accounts[i], err = tx.AccountBySlug(ctx, slug); err != nil {
			return out, fmt.Errorf("demo account %s: %w", slug, err)
		}
	}
	for i := range n {
		email := fmt.Sprintf("bench%04d@bench.test", i)
		u, err := tx.CreateUser(ctx, email, fmt.Sprintf("Bench User %04d", i), hash, false)
		if err != nil {
			return out, fmt.Errorf("user %s: %w", email, err)
		}
		acc := accounts[i%len(accounts)]
		if err := tx.AddMembership(ctx, acc.ID, u.ID, seedRoles[i%len(seedRoles)]); err != nil {
			return out, err
		}
		if err := tx.AddOrganisationMember(ctx, acc.OrganisationID, u.ID); err != nil {
			return out, err
		}
		if err := tx.SetFavourite(ctx, u.ID, acc.ID); err != nil {
			return out, err
		}
		out.users = append(out.users, email)
	}
	return out, tx.Commit(ctx)
}

// demoAccount creates, in tx, the enterprise account slug called name in the demo
// organisation Northwind, owned by its demo owner, with seats seats; it returns the
// organisation's id and the account.
func demoAccount(ctx context.Context, tx *store.Tx, slug, name string, seats int) (int64, domain.Account, error) {
	org, err := tx.OrganisationBySlug(ctx, "northwind")
	if err != nil {
		return 0, domain.Account{}, fmt.Errorf("demo organisation: %w", err)
	}
	owner, err := tx.UserByEmail(ctx, "owner@northwind.test")
	if err != nil {
		return 0, domain.Account{}, fmt.Errorf("demo owner: %w", err)
	}
	acc, err := tx.CreateAccount(ctx, store.NewAccount{OrganisationID: org.ID, Slug: slug, Name: name,
		Plan: "enterprise", SeatLimit: seats, OwnerUserID: owner.ID})
	return org.ID, acc, err
}
