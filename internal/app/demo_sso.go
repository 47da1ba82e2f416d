package app

import (
	"context"

	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/internal/store"
)

// The demo's single sign-on: Initech's account Initech Portal signs in only through
// the development identity provider that the server runs under /dev/idp when
// ATRIUM_DEV is on. Its client id and secret are public, like the demo password.
const (
	DemoIdPClientID     = "atrium-dev"
	DemoIdPClientSecret = "atrium-dev-secret"
	DemoIdPPath         = "/dev/idp"
	demoConnectionName  = "Development identity provider"
)

// DemoIdentity is someone the development identity provider can sign in.
type DemoIdentity struct {
	Subject, Email, Name string
}

// DemoIdentities are the development identity provider's people: Initech's two
// members (Ivy's identity is linked already; Olga's first sign-in links hers after she
// confirms it), and two who must be refused (a stranger, and a provider answer with
// the email of a user of another organisation).
var DemoIdentities = []DemoIdentity{
	{"dev-ivy", "sso@initech.test", "Ivy Initech"},
	{"dev-olga", "owner@initech.test", "Olga Owner"},
	{"dev-stranger", "stranger@elsewhere.test", "Stan Stranger"},
	{"dev-impostor", "agency@pixel.test", "Not Ada (asserts Ada's email)"},
}

// loadDemoSSO adds Initech (idempotently): its owner, Ivy, the connection to the
// development identity provider at issuer, and Initech Portal signing in only through
// it, the favourite of both.
func (a *App) loadDemoSSO(ctx context.Context, tx *store.Tx, hash string) error {
	if a.sealer == nil {
		return errNoSecretKey
	}
	users := map[string]domain.User{}
	for _, p := range []struct{ email, name string }{{"owner@initech.test", "Olga Owner"}, {"sso@initech.test", "Ivy Initech"}} {
		u, err := tx.UserByEmail(ctx, p.email)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			h := hash
			if p.email == "sso@initech.test" {
				h = "" // signs in only through single sign-on
			}
			u, err = tx.CreateUser(ctx, p.email, p.name, h, false)
		}
		if err != nil {
			return err
		}
		users[p.email] = u
	}
	org, err := tx.OrganisationBySlug(ctx, "initech")
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		org, err = tx.CreateOrganisation(ctx, "initech", "Initech")
	}
	if err != nil {
		return err
	}
	if err := tx.AddOrganisationOwner(ctx, org.ID, users["owner@initech.test"].ID); err != nil {
		return err
	}
	acc, err := tx.AccountBySlug(ctx, "initech-portal")
	if domain.ErrorCode(err) != domain.ENOTFOUND {
		return err // there already (or an error)
	}
	acc, err = tx.CreateAccount(ctx, store.NewAccount{OrganisationID: org.ID, Slug: "initech-portal", Name: "Initech Portal",
		Plan: "team", SeatLimit: 25, OwnerUserID: users["owner@initech.test"].ID})
	if err != nil {
		return err
	}
	c, err := tx.CreateSSOConnection(ctx, domain.SSOConnection{OrganisationID: org.ID, Name: demoConnectionName,
		Protocol: domain.ProtocolOIDC, Issuer: a.baseURL + DemoIdPPath, ClientID: DemoIdPClientID, Scopes: "email profile",
		ClientSecret: a.sealer.Seal([]byte(DemoIdPClientSecret), secretContext("client-secret", org.ID))})
	if err != nil {
		return err
	}
	if err := tx.SetAccountSecurity(ctx, acc.ID, policy.LoginSSO, c.ID, false, false); err != nil {
		return err
	}
	ivy := users["sso@initech.test"]
	if _, err := tx.EnsureMembership(ctx, acc.ID, ivy.ID, domain.EditorRoleID); err != nil {
		return err
	}
	if err := tx.AddOrganisationMember(ctx, org.ID, ivy.ID); err != nil {
		return err
	}
	if err := tx.LinkSSOIdentity(ctx, domain.SSOIdentity{ConnectionID: c.ID, Subject: "dev-ivy", UserID: ivy.ID, Email: ivy.Email}); err != nil {
		return err
	}
	for _, u := range users {
		if err := tx.SetFavourite(ctx, u.ID, acc.ID); err != nil {
			return err
		}
	}
	return nil
}
