// Package policy is the login policy layer: pure functions that decide which account a
// user lands in and which sign-in steps they still owe. Handlers only execute the steps
// returned here; nothing else decides them.
package policy

import (
	"time"

	"atrium/internal/domain"
)

// StepKind is one kind of thing a user may have to prove.
type StepKind string

// The steps the policy can ask for.
const (
	StepPassword  StepKind = "password"
	StepSSO       StepKind = "sso"
	StepTOTP      StepKind = "totp"
	StepTOTPEnrol StepKind = "totp_enrol"
)

// Sign-in methods a session can have proven.
const (
	MethodPassword = "password"
	MethodSSO      = "sso"
)

// Login methods an account can allow.
const (
	LoginPassword = "password"
	LoginSSO      = "sso"
	LoginBoth     = "both"
)

// Step is one thing still owed, with its reason: the account whose rule asks for it.
type Step struct {
	Kind StepKind
	// ConnectionID is the SSO connection to sign in through (StepSSO).
	ConnectionID int64
	// Link is true for StepSSO when the user has no identity at that connection yet:
	// signing in there first links one.
	Link bool
	// AccountID and AccountName name the account whose rule asks for the step; 0 and
	// "" for the rule that applies to everyone (a password).
	AccountID   int64
	AccountName string
	// StepUp is true when the step is asked on entering AccountName rather than at
	// sign-in.
	StepUp bool
}

// Reason says why the step is asked, for the page that asks it.
func (s Step) Reason() string {
	if s.AccountName == "" {
		return ""
	}
	what := "requires two-factor authentication"
	switch s.Kind {
	case StepSSO:
		what = "requires signing in through its single sign-on"
	case StepPassword:
		what = "requires your password"
	}
	if s.StepUp {
		return s.AccountName + " " + what + " when you switch into it."
	}
	return s.AccountName + " " + what + "."
}

// Rules are one account's security settings, as the policy reads them.
type Rules struct {
	AccountID   int64
	AccountName string
	// LoginMethod is LoginPassword, LoginSSO or LoginBoth ("" reads as LoginPassword).
	LoginMethod     string
	SSOConnectionID int64
	MFARequired     bool
	// EnforceOnEntry makes the rules hold when a user switches into the account
	// (step-up), not only when it is the account whose rules apply at sign-in.
	EnforceOnEntry bool
}

// RulesOf returns an account's rules.
func RulesOf(a domain.Account) Rules {
	return Rules{AccountID: a.ID, AccountName: a.Name, LoginMethod: a.LoginMethod, SSOConnectionID: a.SSOConnectionID,
		MFARequired: a.MFARequired, EnforceOnEntry: a.EnforceOnEntry}
}

// DefaultRules apply to a user who can enter no account: a password, nothing more.
var DefaultRules = Rules{LoginMethod: LoginPassword}

// Proof records what the current session has proven, and when.
type Proof struct {
	Method       string // MethodPassword or MethodSSO; "" before any
	ConnectionID int64
	MFA          bool
	// SteppedUp are further SSO connections the session has signed in through since
	// (step-up into an account that signs in through another connection).
	SteppedUp []int64
	// At is when the user last proved who they are (sign-in or re-authentication).
	At time.Time
}

// ProvedSSO reports whether the session has signed in through the SSO connection.
func (p Proof) ProvedSSO(connectionID int64) bool {
	if connectionID == 0 {
		return false
	}
	if p.Method == MethodSSO && p.ConnectionID == connectionID {
		return true
	}
	for _, c := range p.SteppedUp {
		if c == connectionID {
			return true
		}
	}
	return false
}

// Subject is what the policy knows of the user.
type Subject struct {
	HasPassword  bool
	TOTPEnrolled bool
	// SSOIdentities are the SSO connections at which the user has a linked identity.
	SSOIdentities []int64
}

func (s Subject) linked(connectionID int64) bool {
	for _, c := range s.SSOIdentities {
		if c == connectionID {
			return true
		}
	}
	return false
}

// Candidate is an account the user can enter, with its rules.
type Candidate struct {
	Entry domain.Entry
	Rules Rules
}

// Facts are what sign-in knows of a user: who they are, their favourite account's
// rules when they can still enter it, and otherwise the accounts they can enter.
type Facts struct {
	Subject Subject
	// Favourite holds the favourite account's rules; nil when there is no favourite or
	// the user can no longer enter it (closed, access removed).
	Favourite *Rules
	// Candidates are the accounts the user can enter now; read only when Favourite is
	// nil (the caller need not load them otherwise).
	Candidates []Candidate
}

// Governing returns the rules that apply at sign-in: the favourite account's; when it
// cannot be entered, those of the account the user lands in instead (Land); with no
// account left, DefaultRules.
func Governing(f Facts) Rules {
	if f.Favourite != nil {
		return *f.Favourite
	}
	i, _ := pick(len(f.Candidates), func(i int) *domain.Entry { return &f.Candidates[i].Entry }, 0)
	if i < 0 {
		return DefaultRules
	}
	return f.Candidates[i].Rules
}

// SignIn returns the steps still owed, in order, to sign in under the governing rules
// gov given what has been proven so far; none means the user is signed in.
//
// The login method comes first: an SSO-only account owes SSO through its connection (a
// password does not satisfy it, nor another connection); a password account owes the
// password; "both" accepts either, and asks a user without a password for SSO. Then a
// 2FA account owes a TOTP code, or enrolment first when the user has none; an SSO
// proof does not stand in for the code. Only the governing account's rules count: a
// user who has set up TOTP but whose favourite does not require it signs in with the
// password alone, and gives a code where an account asks for it on entry.
func SignIn(gov Rules, subj Subject, p Proof) []Step {
	return need(gov, subj, p, false)
}

// Entry returns what a session must still prove to enter target (step-up). Accounts
// that do not enforce their rules on entry accept whatever the sign-in proved.
// Organisation owners entering an account of their organisation are bound alike.
func Entry(target Rules, subj Subject, p Proof) []Step {
	if !target.EnforceOnEntry {
		return nil
	}
	return need(target, subj, p, true)
}

// Join returns what a signed-in user who has proven p still owes to accept an
// invitation into target: joining is when they first come under its rules, so they
// prove what target's own rules ask whether or not it enforces them on entry. An
// account that signs in only through single sign-on asks for a round trip through its
// connection (linking an identity there first when subj has none), unless the session
// signed in or stepped up through it; one that requires two-factor authentication asks
// for a code (or enrolment first), unless the session proved one. A password (or
// either-method) account asks nothing more of someone already signed in. Someone new
// to Atrium, who signs in on accepting, is not asked here: the invited account is
// their only one, so SignIn applies its rules in full.
func Join(target Rules, subj Subject, p Proof) []Step {
	var steps []Step
	if target.LoginMethod == LoginSSO {
		steps = append(steps, methodSteps(target, subj, p, false)...)
	}
	return append(steps, secondFactor(target, subj, p, false)...)
}

// need applies one account's rules: the login method's step, then the second factor.
func need(r Rules, subj Subject, p Proof, stepUp bool) []Step {
	return append(methodSteps(r, subj, p, stepUp), secondFactor(r, subj, p, stepUp)...)
}

// why gives s the account of r as its reason.
func why(r Rules, s Step, stepUp bool) Step {
	s.AccountID, s.AccountName, s.StepUp = r.AccountID, r.AccountName, stepUp
	return s
}

// methodSteps is what r's login method asks of a session that has proven p.
func methodSteps(r Rules, subj Subject, p Proof, stepUp bool) []Step {
	sso := func() []Step {
		return []Step{why(r, Step{Kind: StepSSO, ConnectionID: r.SSOConnectionID, Link: !subj.linked(r.SSOConnectionID)}, stepUp)}
	}
	viaSSO := p.ProvedSSO(r.SSOConnectionID)
	switch r.LoginMethod {
	case LoginSSO:
		if !viaSSO {
			return sso()
		}
	case LoginBoth:
		if !viaSSO && p.Method != MethodPassword {
			if r.SSOConnectionID != 0 && !subj.HasPassword {
				return sso()
			}
			return []Step{why(r, Step{Kind: StepPassword}, stepUp)}
		}
	default:
		if p.Method != MethodPassword {
			return []Step{why(r, Step{Kind: StepPassword}, stepUp)}
		}
	}
	return nil
}

// secondFactor is the code (or enrolment) r asks of a session that has proven p.
func secondFactor(r Rules, subj Subject, p Proof, stepUp bool) []Step {
	if !r.MFARequired || p.MFA {
		return nil
	}
	kind := StepTOTP
	if !subj.TOTPEnrolled {
		kind = StepTOTPEnrol
	}
	return []Step{why(r, Step{Kind: kind}, stepUp)}
}

// ReauthWindow is how long after proving who they are a user may change their
// two-factor settings (and other credentials) without proving it again.
const ReauthWindow = 15 * time.Minute

// Recent reports whether p was proven within ReauthWindow of now.
func Recent(p Proof, now time.Time) bool {
	return !p.At.IsZero() && !p.At.After(now.Add(time.Minute)) && now.Sub(p.At) <= ReauthWindow
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
	i, favourite := pick(len(entries), func(i int) *domain.Entry { return &entries[i] }, favouriteID)
	if i < 0 {
		return Landing{None: true, FellBack: favouriteID != 0}
	}
	return Landing{Entry: entries[i], FellBack: favouriteID != 0 && !favourite}
}

// pick returns the index of the entry to land in among n (at gives the i-th), and
// whether it is the favourite; -1 when n is 0.
func pick(n int, at func(int) *domain.Entry, favouriteID int64) (int, bool) {
	best := -1
	for i := range n {
		e := at(i)
		if favouriteID != 0 && e.AccountID == favouriteID {
			return i, true
		}
		if best < 0 || before(e, at(best)) {
			best = i
		}
	}
	return best, false
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
