// Package policy is the login policy layer: pure functions that decide which account a
// user lands in and which sign-in steps they still owe. Handlers only execute the steps
// returned here; nothing else decides them.
package policy

import (
	"time"

	"atrium/internal/domain"
)

// Step is one thing a user must still prove during sign-in or on entering an account.
type Step string

// The steps the policy can ask for.
const (
	StepPassword  Step = "password"
	StepSSO       Step = "sso"
	StepTOTP      Step = "totp"
	StepTOTPEnrol Step = "totp_enrol"
)

// Settings are the security settings of the account whose rules apply.
type Settings struct {
	LoginMethod     string // password, sso or both
	SSOConnectionID int64
	MFARequired     bool
}

// Proof records what the current session has proven, and when.
type Proof struct {
	Method       string // "password" or "sso"; "" before any
	ConnectionID int64
	MFA          bool
	At           time.Time
}

// Subject is what the policy knows of the user signing in.
type Subject struct {
	HasPassword  bool
	TOTPEnrolled bool
}

// Steps returns the steps still owed, in order, for a subject under settings given what
// has been proven so far. An empty result means the user is fully signed in.
//
// Rules: an SSO-only account owes SSO through its connection (a password does not
// satisfy it); a password account owes the password; "both" accepts either. A 2FA
// account then owes a TOTP code, or enrolment first when the user has none. SSO proofs
// count as the identity provider's own second factor only when no 2FA is required.
func Steps(s Settings, subj Subject, p Proof) []Step {
	var steps []Step
	switch s.LoginMethod {
	case "sso":
		if p.Method != "sso" || p.ConnectionID != s.SSOConnectionID {
			steps = append(steps, StepSSO)
		}
	case "both":
		if p.Method == "" {
			if s.SSOConnectionID != 0 && !subj.HasPassword {
				steps = append(steps, StepSSO)
			} else {
				steps = append(steps, StepPassword)
			}
		}
	default:
		if p.Method != "password" {
			steps = append(steps, StepPassword)
		}
	}
	if s.MFARequired && !p.MFA {
		if subj.TOTPEnrolled {
			steps = append(steps, StepTOTP)
		} else {
			steps = append(steps, StepTOTPEnrol)
		}
	}
	return steps
}

// EntrySteps returns what a session must still prove before entering an account that
// enforces its own settings on entry (step-up). Accounts that do not enforce on entry
// accept whatever the sign-in proved.
func EntrySteps(a domain.Account, ssoConnectionID int64, subj Subject, p Proof) []Step {
	if !a.EnforceOnEntry {
		return nil
	}
	return Steps(Settings{LoginMethod: a.LoginMethod, SSOConnectionID: ssoConnectionID, MFARequired: a.MFARequired}, subj, p)
}

// Landing is where a signed-in user goes.
type Landing struct {
	Entry domain.Entry
	// FellBack is true when the user has a favourite that they can no longer enter.
	FellBack bool
	// None is true when the user can enter no account at all.
	None bool
}

// Land picks the account a user lands in: the favourite when it is still enterable;
// otherwise the account entered most recently, else the oldest membership — the stored
// favourite is kept and works again if access returns. entries must hold only accounts
// the user can enter now: all of them, or at least the favourite, the most recently
// entered and the oldest of each kind (store.LandingEntries).
func Land(entries []domain.Entry, favouriteID int64) Landing {
	if len(entries) == 0 {
		return Landing{None: true, FellBack: favouriteID != 0}
	}
	var oldest *domain.Entry
	for i := range entries {
		e := &entries[i]
		if e.AccountID == favouriteID {
			return Landing{Entry: *e}
		}
		if oldest == nil || before(e, oldest) {
			oldest = e
		}
	}
	return Landing{Entry: *oldest, FellBack: favouriteID != 0}
}

// before orders the account entered most recently first (never entered last), then own
// memberships ahead of organisation-owner access, then by age, then by account id so
// the choice is stable.
func before(a, b *domain.Entry) bool {
	if !a.LastEnteredAt.Equal(b.LastEnteredAt) {
		return a.LastEnteredAt.After(b.LastEnteredAt)
	}
	if a.ViaOrganisation != b.ViaOrganisation {
		return !a.ViaOrganisation
	}
	if !a.JoinedAt.Equal(b.JoinedAt) {
		return a.JoinedAt.Before(b.JoinedAt)
	}
	return a.AccountID < b.AccountID
}

// EntryRole decides whether a user may enter an account and with which role. It is
// given the account status, the user's membership (status "" when none), and whether
// they own the account's organisation. It returns ENOTFOUND for strangers, EREVOKED for
// a deactivated or removed membership, ECLOSED for a closed account.
func EntryRole(accountName, accountStatus, membershipStatus string, roleID int64, roleName string, orgOwner bool) (int64, string, error) {
	member := membershipStatus == domain.MembershipActive
	if !member && !orgOwner {
		if membershipStatus == "" {
			return 0, "", domain.Errorf(domain.ENOTFOUND, "Page not found.")
		}
		return 0, "", domain.Errorf(domain.EREVOKED, "Your access to %s has been revoked.", accountName)
	}
	if accountStatus != domain.AccountActive {
		return 0, "", domain.Errorf(domain.ECLOSED, "%s has been closed.", accountName)
	}
	if orgOwner && (!member || roleID != domain.OwnerRoleID) {
		return domain.AdministratorRoleID, "Administrator (organisation owner)", nil
	}
	return roleID, roleName, nil
}
