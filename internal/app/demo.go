package app

import (
	"context"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// DemoPassword is the password of every demo user.
const DemoPassword = "atrium-demo"

// DemoLogin is one demo user, printed at start-up in dev mode.
type DemoLogin struct {
	Email string
	What  string
}

// DemoLogins lists the demo users and what each shows.
var DemoLogins = []DemoLogin{
	{"staff@atrium.test", "platform staff: /staff/"},
	{"owner@northwind.test", "owns Northwind and both its accounts"},
	{"owner@globex.test", "owns Globex and Globex Marketing"},
	{"agency@pixel.test", "admin in Northwind Retail, editor in Northwind Travel, viewer in Globex Marketing (favourite)"},
	{"viewer@northwind.test", "viewer in Northwind Retail"},
	{"secure@acme.test", "owns Acme; favourite Acme Vault requires two-factor authentication: the first sign-in sets up an authenticator, later ones ask for its code"},
	{"writer@acme.test", "editor in Acme Blog (favourite, password only); switching into Acme Vault asks for two-factor authentication (step-up)"},
	{"sso@initech.test", "no password: favourite Initech Portal signs in only through single sign-on; sign-in goes to the development identity provider (/dev/idp): choose Ivy Initech"},
	{"owner@initech.test", "owns Initech; Initech Portal is SSO-only: choose Olga Owner at the development identity provider, then confirm the first link with the demo password"},
}

type demoAccount struct {
	org, slug, name, owner string
	// strict accounts require two-factor authentication, also on switching in.
	strict bool
}

// LoadDemo creates the demo organisations, accounts and users. It is idempotent: what
// exists already is left as it is, so it is safe on every start.
func (a *App) LoadDemo(ctx context.Context) error {
	hash, err := a.hasher.Hash(ctx, DemoPassword)
	if err != nil {
		return err
	}
	return a.tx(ctx, func(tx *store.Tx) error {
		users := map[string]domain.User{}
		for _, p := range []struct{ email, name string }{
			{"staff@atrium.test", "Sam Staff"}, {"owner@northwind.test", "Nora Northwind"},
			{"owner@globex.test", "Gus Globex"}, {"agency@pixel.test", "Ada Agency"},
			{"viewer@northwind.test", "Vic Viewer"}, {"secure@acme.test", "Sara Secure"}, {"writer@acme.test", "Wes Writer"},
		} {
			u, err := tx.UserByEmail(ctx, p.email)
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				u, err = tx.CreateUser(ctx, p.email, p.name, hash, p.email == "staff@atrium.test")
			}
			if err != nil {
				return err
			}
			users[p.email] = u
		}
		orgs := map[string]domain.Organisation{}
		for _, o := range []struct{ slug, name, owner string }{{"northwind", "Northwind", "owner@northwind.test"}, {"globex", "Globex", "owner@globex.test"},
			{"acme", "Acme", "secure@acme.test"}} {
			org, err := tx.OrganisationBySlug(ctx, o.slug)
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				org, err = tx.CreateOrganisation(ctx, o.slug, o.name)
			}
			if err != nil {
				return err
			}
			if err := tx.AddOrganisationOwner(ctx, org.ID, users[o.owner].ID); err != nil {
				return err
			}
			orgs[o.slug] = org
		}
		accounts := map[string]domain.Account{}
		for _, d := range []demoAccount{
			{"northwind", "northwind-retail", "Northwind Retail", "owner@northwind.test", false},
			{"northwind", "northwind-travel", "Northwind Travel", "owner@northwind.test", false},
			{"globex", "globex-marketing", "Globex Marketing", "owner@globex.test", false},
			{"acme", "acme-vault", "Acme Vault", "secure@acme.test", true},
			{"acme", "acme-blog", "Acme Blog", "secure@acme.test", false},
		} {
			acc, err := tx.AccountBySlug(ctx, d.slug)
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				acc, err = tx.CreateAccount(ctx, store.NewAccount{OrganisationID: orgs[d.org].ID, Slug: d.slug, Name: d.name,
					Plan: "team", SeatLimit: 25, OwnerUserID: users[d.owner].ID})
				if err == nil && d.strict {
					acc.MFARequired, acc.EnforceOnEntry = true, true
					err = tx.SetAccountSecurity(ctx, acc.ID, acc.LoginMethod, acc.SSOConnectionID, true, true)
				}
			}
			if err != nil {
				return err
			}
			accounts[d.slug] = acc
		}
		for _, g := range []struct {
			email, account string
			role           int64
		}{
			{"agency@pixel.test", "northwind-retail", domain.AdministratorRoleID},
			{"agency@pixel.test", "northwind-travel", domain.EditorRoleID},
			{"agency@pixel.test", "globex-marketing", domain.ViewerRoleID},
			{"viewer@northwind.test", "northwind-retail", domain.ViewerRoleID},
			{"writer@acme.test", "acme-blog", domain.EditorRoleID},
			{"writer@acme.test", "acme-vault", domain.ViewerRoleID},
		} {
			acc := accounts[g.account]
			if _, err := tx.EnsureMembership(ctx, acc.ID, users[g.email].ID, g.role); err != nil {
				return err
			}
			if err := tx.AddOrganisationMember(ctx, acc.OrganisationID, users[g.email].ID); err != nil {
				return err
			}
		}
		for email, slug := range map[string]string{"agency@pixel.test": "globex-marketing", "secure@acme.test": "acme-vault",
			"writer@acme.test": "acme-blog"} {
			if u := users[email]; u.FavouriteAccountID == 0 {
				if err := tx.SetFavourite(ctx, u.ID, accounts[slug].ID); err != nil {
					return err
				}
			}
		}
		return a.loadDemoSSO(ctx, tx, hash)
	})
}
