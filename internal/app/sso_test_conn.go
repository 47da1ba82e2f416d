package app

import (
	"context"

	"atrium/internal/domain"
	"atrium/internal/sso"
	"atrium/internal/store"
)

// TestSSOConnection starts a test of one of the organisation's connections
// (account.security; ENOTFOUND for another's): it fetches the provider's configuration
// afresh (OIDC discovery, SAML metadata) and, when that works, returns the round trip
// to run in the admin's browser. A failure is recorded as the connection's last test
// and returned with what failed. Nobody is signed in by a test.
func (a *App) TestSSOConnection(ctx context.Context, actor Actor, h Access, id int64) (SSOFlow, string, error) {
	access, err := a.securityAccess(h)
	if err != nil {
		return SSOFlow{}, "", err
	}
	c, err := a.store.SSOConnection(ctx, access.Account.OrganisationID, id)
	if err != nil {
		return SSOFlow{}, "", err
	}
	started := a.now()
	f, to, err := a.startFlow(ctx, c, FlowTest, true)
	if err != nil {
		if _, rerr := a.store.RecordSSOTest(ctx, c.OrganisationID, c.ID, actor.UserID, false, domain.ErrorMessage(err), started); rerr != nil {
			return f, "", rerr
		}
		return f, "", err
	}
	f.AccountSlug = access.Account.Slug
	return f, to, nil
}

// SSOTestResult is the outcome of a connection test, for the settings page.
type SSOTestResult struct {
	OK     bool
	Detail string
}

// FinishSSOTest records how the test round trip of flow ended: with the provider's
// verified claims, or failure (what failed). The actor must still hold account.security
// on the flow's account (h). The test counts only for the connection's settings as they
// were when it started. Audited.
func (a *App) FinishSSOTest(ctx context.Context, actor Actor, h Access, f SSOFlow, claims sso.Claims, failure error) (SSOTestResult, error) {
	access, err := a.securityAccess(h)
	if err != nil {
		return SSOTestResult{}, err
	}
	c, err := a.store.SSOConnection(ctx, access.Account.OrganisationID, f.ConnectionID)
	if err != nil {
		return SSOTestResult{}, err
	}
	res := SSOTestResult{OK: failure == nil}
	if failure != nil {
		res.Detail = domain.ErrorMessage(failure)
	} else {
		res.Detail = "Signed in at the identity provider as " + orNone(claims.Email) + " (subject " + clip(claims.Subject, 80) + ")."
		if claims.Email == "" || !claims.EmailVerified {
			res.Detail += " The provider does not assert a verified email: members can then only link their Atrium user by confirming it."
		}
	}
	started := f.Until.Add(-FlowLife)
	err = a.tx(ctx, func(tx *store.Tx) error {
		recorded, err := tx.RecordSSOTest(ctx, c.OrganisationID, c.ID, actor.UserID, res.OK, res.Detail, started)
		if err != nil {
			return err
		}
		if !recorded {
			res.OK = false
			res.Detail = "The connection's settings changed during the test: test it again."
		}
		outcome := "Succeeded"
		if !res.OK {
			outcome = "Failed"
		}
		return audit(ctx, tx, actor, "Settings > Security > Single sign-on > Test connection > "+c.Name+" > "+outcome, c.Name,
			access.Account.ID, c.OrganisationID)
	})
	return res, err
}
