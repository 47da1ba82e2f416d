package app

import (
	"context"
	"strings"
	"time"

	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/internal/store"
)

// An account's security settings: how its members sign in (password, single sign-on
// or either), whether it requires two-factor authentication, and whether those rules
// hold when people switch into it (step-up). At sign-in the favourite account's rules
// apply; an account with step-up asks its own of everyone who enters it.

// SecurityInput is a change of an account's security settings.
type SecurityInput struct {
	LoginMethod string
	// SSOConnectionID is the organisation's connection the account signs in through
	// (0: none).
	SSOConnectionID int64
	MFARequired     bool
	EnforceOnEntry  bool
}

// ErrEnrolFirst refuses to require two-factor authentication from someone who has not
// set it up themselves: they would owe enrolment at their next sign-in. The server walks
// them through enrolment first.
var ErrEnrolFirst = &domain.Error{Code: domain.EINVALID, Field: "mfa_required",
	Message: "Set up two-factor authentication for yourself first, then require it for the account."}

// errNeedsConnection refuses single sign-on without a connection.
var errNeedsConnection = domain.FieldError("sso_connection", "Choose the single sign-on connection members sign in through.")

// ErrTestFirst refuses to make an account sign in only through a connection that its
// changer has not just tested successfully: a broken connection would lock everyone out.
var ErrTestFirst = domain.FieldError("sso_connection", "Test the connection successfully yourself first (within the last 30 minutes, "+
	"with its current settings): members of an account that signs in only through single sign-on cannot sign in while it is broken.")

// TestValidFor is how long a successful connection test lets its maker switch an
// account to single sign-on only.
const TestValidFor = 30 * time.Minute

// SecurityView is an account's security page: its settings and the organisation's
// SSO connections to choose from.
type SecurityView struct {
	Account     domain.Account
	Connections []domain.SSOConnection
}

// SecuritySettings returns the account's security settings (account.security).
func (a *App) SecuritySettings(ctx context.Context, h Access) (SecurityView, error) {
	access, err := a.open(h)
	if err != nil {
		return SecurityView{}, err
	}
	if !access.Permissions.Has(domain.PermAccountSecurity) {
		return SecurityView{}, forbidden(domain.PermAccountSecurity)
	}
	conns, err := a.store.SSOConnectionsOf(ctx, access.Account.OrganisationID)
	if err != nil {
		return SecurityView{}, err
	}
	return SecurityView{Account: access.Account, Connections: conns}, nil
}

// UpdateSecurity changes the account's security settings (account.security). Single
// sign-on (only, or beside the password) needs one of the organisation's connections
// (another organisation's is ENOTFOUND); making the account sign in only through a
// connection (newly, or through another connection) needs a successful test of it by
// the changer within TestValidFor, with its current settings (ErrTestFirst). The
// change never locks its maker out: requiring two-factor
// authentication from someone who has not set it up themselves gives ErrEnrolFirst.
// Each change is audited with what it was and what it is now; it returns the account
// as it is now and whether anything changed.
func (a *App) UpdateSecurity(ctx context.Context, actor Actor, h Access, in SecurityInput) (domain.Account, bool, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Account{}, false, err
	}
	if !access.Permissions.Has(domain.PermAccountSecurity) {
		return domain.Account{}, false, forbidden(domain.PermAccountSecurity)
	}
	acc := access.Account
	var conn, wasConn domain.SSOConnection
	if in.SSOConnectionID != 0 {
		if conn, err = a.store.SSOConnection(ctx, acc.OrganisationID, in.SSOConnectionID); err != nil {
			return domain.Account{}, false, err
		}
	}
	if acc.SSOConnectionID != 0 {
		if wasConn, err = a.store.SSOConnection(ctx, acc.OrganisationID, acc.SSOConnectionID); err != nil {
			return domain.Account{}, false, err
		}
	}
	switch in.LoginMethod {
	case policy.LoginPassword:
	case policy.LoginSSO, policy.LoginBoth:
		if in.SSOConnectionID == 0 {
			return domain.Account{}, false, errNeedsConnection
		}
		switching := acc.LoginMethod != policy.LoginSSO || acc.SSOConnectionID != in.SSOConnectionID
		if in.LoginMethod == policy.LoginSSO && switching && !a.testedBy(conn, actor.UserID) {
			return domain.Account{}, false, ErrTestFirst
		}
	default:
		return domain.Account{}, false, domain.FieldError("login_method", "Choose how members sign in.")
	}
	next := acc
	next.LoginMethod, next.SSOConnectionID, next.MFARequired, next.EnforceOnEntry = in.LoginMethod, in.SSOConnectionID, in.MFARequired, in.EnforceOnEntry
	// Would the maker, signed in as they are, owe a step they have not set up?
	for _, s := range policy.SignIn(policy.RulesOf(next), h.subject, policy.Proof{Method: policy.MethodPassword, MFA: h.subject.TOTPEnrolled}) {
		if s.Kind == policy.StepTOTPEnrol {
			return domain.Account{}, false, ErrEnrolFirst
		}
	}
	changes := securityChanges(acc, next)
	if acc.SSOConnectionID != next.SSOConnectionID {
		changes = append(changes, "Single sign-on connection ("+orNone(wasConn.Name)+" → "+orNone(conn.Name)+")")
	}
	if len(changes) == 0 {
		return acc, false, nil
	}
	err = a.tx(ctx, func(tx *store.Tx) error {
		if err := tx.SetAccountSecurity(ctx, acc.ID, next.LoginMethod, next.SSOConnectionID, next.MFARequired, next.EnforceOnEntry); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Settings > Security > "+strings.Join(changes, "; "), acc.Name, acc.ID, acc.OrganisationID)
	})
	return next, err == nil, err
}

// securityChanges describes each setting that differs, before → after.
func securityChanges(was, now domain.Account) []string {
	var out []string
	if was.LoginMethod != now.LoginMethod {
		out = append(out, "Sign-in method ("+LoginMethodLabel(was.LoginMethod)+" → "+LoginMethodLabel(now.LoginMethod)+")")
	}
	onOff := func(b bool, on, off string) string {
		if b {
			return on
		}
		return off
	}
	if was.MFARequired != now.MFARequired {
		out = append(out, "Two-factor authentication ("+onOff(was.MFARequired, "required", "not required")+" → "+
			onOff(now.MFARequired, "required", "not required")+")")
	}
	if was.EnforceOnEntry != now.EnforceOnEntry {
		out = append(out, "Apply on switching in ("+onOff(was.EnforceOnEntry, "on", "off")+" → "+onOff(now.EnforceOnEntry, "on", "off")+")")
	}
	return out
}

// LoginMethodLabel names a login method.
func LoginMethodLabel(m string) string {
	switch m {
	case policy.LoginSSO:
		return "Single sign-on only"
	case policy.LoginBoth:
		return "Password or single sign-on"
	}
	return "Password only"
}

// testedBy reports whether userID tested the connection successfully within
// TestValidFor, after its settings last changed.
func (a *App) testedBy(c domain.SSOConnection, userID int64) bool {
	return c.TestedOK && c.TestedBy == userID && c.TestedAt != nil && !c.TestedAt.Before(c.ConfigChangedAt) &&
		a.now().Sub(*c.TestedAt) <= TestValidFor
}
