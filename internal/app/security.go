package app

import (
	"context"
	"strings"

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
	LoginMethod    string
	MFARequired    bool
	EnforceOnEntry bool
}

// ErrEnrolFirst refuses to require two-factor authentication from someone who has not
// set it up themselves: they would owe enrolment at their next sign-in. The server walks
// them through enrolment first.
var ErrEnrolFirst = &domain.Error{Code: domain.EINVALID, Field: "mfa_required",
	Message: "Set up two-factor authentication for yourself first, then require it for the account."}

// errSSONotYet refuses single sign-on, which this server cannot do yet.
var errSSONotYet = domain.FieldError("login_method", "Single sign-on is not set up on this server yet, so members can only sign in with a password.")

// SecurityView is an account's security page. Until single sign-on exists its
// choices show disabled, with the reason.
type SecurityView struct {
	Account domain.Account
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
	return SecurityView{Account: access.Account}, nil
}

// UpdateSecurity changes the account's security settings (account.security). Only
// password sign-in can be chosen until single sign-on exists (EINVALID on field
// login_method). The change never locks its maker out: requiring two-factor
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
	switch in.LoginMethod {
	case policy.LoginPassword:
	case policy.LoginSSO, policy.LoginBoth:
		return domain.Account{}, false, errSSONotYet
	default:
		return domain.Account{}, false, domain.FieldError("login_method", "Choose how members sign in.")
	}
	acc := access.Account
	next := acc
	next.LoginMethod, next.MFARequired, next.EnforceOnEntry = in.LoginMethod, in.MFARequired, in.EnforceOnEntry
	// Would the maker, signed in as they are, owe a step they have not set up?
	for _, s := range policy.SignIn(policy.RulesOf(next), h.subject, policy.Proof{Method: policy.MethodPassword, MFA: h.subject.TOTPEnrolled}) {
		if s.Kind == policy.StepTOTPEnrol {
			return domain.Account{}, false, ErrEnrolFirst
		}
	}
	changes := securityChanges(acc, next)
	if len(changes) == 0 {
		return acc, false, nil
	}
	err = a.tx(ctx, func(tx *store.Tx) error {
		if err := tx.SetAccountSecurity(ctx, acc.ID, next.LoginMethod, next.MFARequired, next.EnforceOnEntry); err != nil {
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
