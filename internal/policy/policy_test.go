package policy

import (
	"reflect"
	"testing"
	"time"

	"atrium/internal/domain"
)

func TestLand(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	retail := domain.Entry{AccountID: 1, AccountName: "Retail", JoinedAt: day(3)}
	travel := domain.Entry{AccountID: 2, AccountName: "Travel", JoinedAt: day(1)}
	globex := domain.Entry{AccountID: 3, AccountName: "Globex", JoinedAt: day(2)}
	viaOrg := domain.Entry{AccountID: 4, AccountName: "Org-owned", JoinedAt: day(0), ViaOrganisation: true}
	entered := func(e domain.Entry, d int) domain.Entry { e.LastEnteredAt = day(10 + d); return e }
	tests := []struct {
		name      string
		entries   []domain.Entry
		favourite int64
		want      int64
		fellBack  bool
		none      bool
	}{
		{"favourite enterable", []domain.Entry{retail, travel, globex}, 3, 3, false, false},
		{"no favourite set: oldest membership, no notice", []domain.Entry{retail, travel, globex}, 0, 2, false, false},
		{"favourite gone: oldest membership with notice", []domain.Entry{retail, globex}, 2, 3, true, false},
		{"own membership before organisation-owner access", []domain.Entry{viaOrg, retail}, 9, 1, true, false},
		{"only organisation-owner access", []domain.Entry{viaOrg}, 9, 4, true, false},
		{"nothing left, had a favourite", nil, 2, 0, true, true},
		{"nothing at all", nil, 0, 0, false, true},
		{"tie on join time breaks by id", []domain.Entry{{AccountID: 8, JoinedAt: day(1)}, {AccountID: 7, JoinedAt: day(1)}}, 0, 7, false, false},
		{"favourite gone: the account entered most recently", []domain.Entry{entered(retail, 5), entered(globex, 9), travel}, 9, 3, true, false},
		{"entered beats never entered, however old", []domain.Entry{travel, entered(retail, 4)}, 9, 1, true, false},
		{"no favourite set: the account entered most recently, no notice", []domain.Entry{entered(retail, 6), entered(travel, 2)}, 0, 1, false, false},
		{"organisation-owner access entered last beats own memberships", []domain.Entry{entered(retail, 3), entered(viaOrg, 7)}, 9, 4, true, false},
		{"favourite enterable beats a more recent entry", []domain.Entry{entered(retail, 9), entered(globex, 1)}, 3, 3, false, false},
		{"same entry time: own membership first, then oldest", []domain.Entry{entered(viaOrg, 5), entered(globex, 5), entered(travel, 5)}, 9, 2, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Land(tt.entries, tt.favourite)
			if got.None != tt.none || got.FellBack != tt.fellBack || got.Entry.AccountID != tt.want {
				t.Fatalf("Land = {account %d, fellBack %v, none %v}, want {account %d, fellBack %v, none %v}",
					got.Entry.AccountID, got.FellBack, got.None, tt.want, tt.fellBack, tt.none)
			}
		})
	}
}

// The rules of the accounts in the table below.
var (
	lax      = Rules{AccountID: 1, AccountName: "Northwind Retail", LoginMethod: LoginPassword}
	strict   = Rules{AccountID: 2, AccountName: "Globex Marketing", LoginMethod: LoginPassword, MFARequired: true}
	vault    = Rules{AccountID: 3, AccountName: "Acme Vault", LoginMethod: LoginPassword, MFARequired: true, EnforceOnEntry: true}
	ssoOnly  = Rules{AccountID: 4, AccountName: "Initech", LoginMethod: LoginSSO, SSOConnectionID: 7}
	ssoMFA   = Rules{AccountID: 5, AccountName: "Umbrella", LoginMethod: LoginSSO, SSOConnectionID: 7, MFARequired: true}
	ssoGuard = Rules{AccountID: 6, AccountName: "Hooli", LoginMethod: LoginSSO, SSOConnectionID: 9, EnforceOnEntry: true}
	either   = Rules{AccountID: 8, AccountName: "Stark", LoginMethod: LoginBoth, SSOConnectionID: 7}
)

func fav(r Rules) *Rules { return &r }

func cand(r Rules, joined int) Candidate {
	return Candidate{Entry: domain.Entry{AccountID: r.AccountID, AccountName: r.AccountName,
		JoinedAt: time.Date(2026, 1, joined, 0, 0, 0, 0, time.UTC)}, Rules: r}
}

// TestPolicy is the login policy's table: what a user still owes at sign-in, on
// entering an account (step-up) and on accepting an invitation, each step with the
// account whose rule asks for it.
func TestPolicy(t *testing.T) {
	pwUser := Subject{HasPassword: true}
	enrolled := Subject{HasPassword: true, TOTPEnrolled: true}
	linked7 := Subject{HasPassword: true, SSOIdentities: []int64{7}}
	pw := Proof{Method: MethodPassword}
	pwMFA := Proof{Method: MethodPassword, MFA: true}
	sso7 := Proof{Method: MethodSSO, ConnectionID: 7}
	step := func(k StepKind, r Rules) Step {
		return Step{Kind: k, AccountID: r.AccountID, AccountName: r.AccountName}
	}
	up := func(k StepKind, r Rules) Step { s := step(k, r); s.StepUp = true; return s }
	sso := func(r Rules, link, stepUp bool) Step {
		s := Step{Kind: StepSSO, ConnectionID: r.SSOConnectionID, Link: link, AccountID: r.AccountID, AccountName: r.AccountName, StepUp: stepUp}
		return s
	}
	password := Step{Kind: StepPassword}

	tests := []struct {
		name   string
		facts  Facts
		target *Rules // entering (step-up) or, with join, accepting into
		join   bool
		proof  Proof
		want   []Step
	}{
		// Sign-in under the favourite's rules.
		{"password favourite, nothing proven", Facts{Subject: pwUser, Favourite: fav(lax)}, nil, false, Proof{}, []Step{step(StepPassword, lax)}},
		{"password favourite, password proven: signed in", Facts{Subject: pwUser, Favourite: fav(lax)}, nil, false, pw, nil},
		{"2FA favourite, enrolled: password then code", Facts{Subject: enrolled, Favourite: fav(strict)}, nil, false, Proof{}, []Step{step(StepPassword, strict), step(StepTOTP, strict)}},
		{"2FA favourite, password proven: the code, saying why", Facts{Subject: enrolled, Favourite: fav(strict)}, nil, false, pw, []Step{step(StepTOTP, strict)}},
		{"2FA required but not enrolled: enrolment", Facts{Subject: pwUser, Favourite: fav(strict)}, nil, false, pw, []Step{step(StepTOTPEnrol, strict)}},
		{"2FA proven: signed in", Facts{Subject: enrolled, Favourite: fav(strict)}, nil, false, pwMFA, nil},
		{"2FA set up by the user, lax favourite: the favourite's rules, no code", Facts{Subject: enrolled, Favourite: fav(lax)}, nil, false, pw, nil},
		{"lax favourite wins over a strict account held too", Facts{Subject: pwUser, Favourite: fav(lax),
			Candidates: []Candidate{cand(strict, 1)}}, nil, false, pw, nil},

		// The favourite gone or closed: the fallback account's rules.
		{"favourite gone: the oldest remaining account's 2FA applies", Facts{Subject: pwUser,
			Candidates: []Candidate{cand(lax, 5), cand(strict, 2)}}, nil, false, pw, []Step{step(StepTOTPEnrol, strict)}},
		{"favourite closed: the fallback is lax", Facts{Subject: pwUser,
			Candidates: []Candidate{cand(lax, 1), cand(strict, 2)}}, nil, false, pw, nil},
		{"no accounts left: a password only", Facts{Subject: pwUser}, nil, false, Proof{}, []Step{password}},
		{"no accounts left, password proven", Facts{Subject: pwUser}, nil, false, pw, nil},

		// Step-up on entering an account.
		{"step-up from a password session into a 2FA account", Facts{Subject: enrolled}, &vault, false, pw, []Step{up(StepTOTP, vault)}},
		{"step-up into a 2FA account, not enrolled: enrolment", Facts{Subject: pwUser}, &vault, false, pw, []Step{up(StepTOTPEnrol, vault)}},
		{"step-up already proven this session", Facts{Subject: enrolled}, &vault, false, pwMFA, nil},
		{"2FA account without step-up accepts a password session", Facts{Subject: enrolled}, &strict, false, pw, nil},
		{"entering a lax account asks nothing", Facts{Subject: pwUser}, &lax, false, pw, nil},

		// A signed-in user accepting an invitation: the invited account's own rules,
		// whether or not it applies them on entry.
		{"existing user joining a 2FA account: a code, saying why", Facts{Subject: enrolled}, &strict, true, pw, []Step{step(StepTOTP, strict)}},
		{"existing user joining a 2FA account, not enrolled: enrolment", Facts{Subject: pwUser}, &strict, true, pw, []Step{step(StepTOTPEnrol, strict)}},
		{"existing user joining a step-up 2FA account: the same code", Facts{Subject: enrolled}, &vault, true, pw, []Step{step(StepTOTP, vault)}},
		{"existing user joining a 2FA account, code proven this session: nothing", Facts{Subject: enrolled}, &strict, true, pwMFA, nil},
		{"existing user joining an SSO-only account, no identity: SSO that links one", Facts{Subject: pwUser}, &ssoOnly, true, pw, []Step{sso(ssoOnly, true, false)}},
		{"existing user joining an SSO-only account, identity linked: SSO", Facts{Subject: linked7}, &ssoOnly, true, pw, []Step{sso(ssoOnly, false, false)}},
		{"existing user joining an SSO-only account: SSO at another connection is not enough", Facts{Subject: linked7}, &ssoGuard, true, sso7, []Step{sso(ssoGuard, true, false)}},
		{"existing user joining an SSO-only account, signed in through it: nothing", Facts{Subject: linked7}, &ssoOnly, true, sso7, nil},
		{"existing user joining an SSO-only account, stepped up through it: nothing", Facts{Subject: linked7}, &ssoOnly, true,
			Proof{Method: MethodPassword, SteppedUp: []int64{7}}, nil},
		{"existing user joining SSO plus 2FA: SSO, then the code", Facts{Subject: Subject{HasPassword: true, TOTPEnrolled: true}}, &ssoMFA, true, pw,
			[]Step{sso(ssoMFA, true, false), step(StepTOTP, ssoMFA)}},
		{"existing user joining a lax account: nothing", Facts{Subject: pwUser}, &lax, true, pw, nil},
		{"existing user signed in through SSO joining a password account: nothing", Facts{Subject: linked7}, &lax, true, sso7, nil},
		{"existing user without a password joining an either-method account: nothing", Facts{Subject: Subject{SSOIdentities: []int64{9}}}, &either, true,
			Proof{Method: MethodSSO, ConnectionID: 9}, nil},

		// SSO (the SSO work carries these out).
		{"favourite SSO-only, no linked identity: SSO that links one", Facts{Subject: pwUser, Favourite: fav(ssoOnly)}, nil, false, Proof{}, []Step{sso(ssoOnly, true, false)}},
		{"favourite SSO-only, identity linked", Facts{Subject: linked7, Favourite: fav(ssoOnly)}, nil, false, Proof{}, []Step{sso(ssoOnly, false, false)}},
		{"favourite SSO-only: a password is not enough", Facts{Subject: pwUser, Favourite: fav(ssoOnly)}, nil, false, pw, []Step{sso(ssoOnly, true, false)}},
		{"favourite SSO-only: another connection is not enough", Facts{Subject: linked7, Favourite: fav(ssoOnly)}, nil, false, Proof{Method: MethodSSO, ConnectionID: 8}, []Step{sso(ssoOnly, false, false)}},
		{"favourite SSO-only, SSO proven", Facts{Subject: linked7, Favourite: fav(ssoOnly)}, nil, false, sso7, nil},
		{"SSO plus 2FA: SSO then the code", Facts{Subject: Subject{TOTPEnrolled: true, SSOIdentities: []int64{7}}, Favourite: fav(ssoMFA)}, nil, false, Proof{}, []Step{sso(ssoMFA, false, false), step(StepTOTP, ssoMFA)}},
		{"SSO plus 2FA: the identity provider is not the second factor", Facts{Subject: Subject{TOTPEnrolled: true, SSOIdentities: []int64{7}}, Favourite: fav(ssoMFA)}, nil, false, sso7, []Step{step(StepTOTP, ssoMFA)}},
		{"either method: password user signs in with the password", Facts{Subject: pwUser, Favourite: fav(either)}, nil, false, Proof{}, []Step{step(StepPassword, either)}},
		{"either method: user without a password goes to SSO", Facts{Subject: Subject{}, Favourite: fav(either)}, nil, false, Proof{}, []Step{sso(either, true, false)}},
		{"either method: SSO proof suffices", Facts{Subject: linked7, Favourite: fav(either)}, nil, false, sso7, nil},
		{"step-up into an SSO account from a password session", Facts{Subject: pwUser}, &ssoGuard, false, pw, []Step{sso(ssoGuard, true, true)}},
		{"step-up into an SSO account from SSO at another connection", Facts{Subject: linked7}, &ssoGuard, false, sso7, []Step{sso(ssoGuard, true, true)}},
		{"step-up through the account's connection is remembered", Facts{Subject: Subject{HasPassword: true, SSOIdentities: []int64{9}}}, &ssoGuard, false,
			Proof{Method: MethodPassword, SteppedUp: []int64{9}}, nil},
		{"a step-up through another connection is not enough", Facts{Subject: pwUser}, &ssoGuard, false,
			Proof{Method: MethodPassword, SteppedUp: []int64{7}}, []Step{sso(ssoGuard, true, true)}},
		{"a stepped-up connection does not replace the favourite's password", Facts{Subject: pwUser, Favourite: fav(lax)}, nil, false,
			Proof{SteppedUp: []int64{7}}, []Step{step(StepPassword, lax)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Step
			switch {
			case tt.join:
				got = Join(*tt.target, tt.facts.Subject, tt.proof)
			case tt.target != nil:
				got = Entry(*tt.target, tt.facts.Subject, tt.proof)
			default:
				got = SignIn(Governing(tt.facts), tt.facts.Subject, tt.proof)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("steps = %+v\nwant    %+v", got, tt.want)
			}
		})
	}
}

func TestStepReason(t *testing.T) {
	for _, c := range []struct {
		s    Step
		want string
	}{
		{Step{Kind: StepTOTP, AccountName: "Globex Marketing"}, "Globex Marketing requires two-factor authentication."},
		{Step{Kind: StepTOTPEnrol, AccountName: "Globex Marketing"}, "Globex Marketing requires two-factor authentication."},
		{Step{Kind: StepTOTP, AccountName: "Acme Vault", StepUp: true}, "Acme Vault requires two-factor authentication when you switch into it."},
		{Step{Kind: StepSSO, AccountName: "Initech"}, "Initech requires signing in through its single sign-on."},
		{Step{Kind: StepTOTP}, ""},
		{Step{Kind: StepPassword}, ""},
	} {
		if got := c.s.Reason(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.s, got, c.want)
		}
	}
}

func TestRecent(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{now.Add(-14 * time.Minute), true},
		{now.Add(-ReauthWindow), true},
		{now.Add(-ReauthWindow - time.Second), false},
		{time.Time{}, false},
		{now.Add(time.Hour), false},
	} {
		if got := Recent(Proof{At: c.at}, now); got != c.want {
			t.Errorf("Recent(at %v) = %v, want %v", c.at, got, c.want)
		}
	}
}

func TestCodeThrottle(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for f := 0; f < CodeFreeFailures; f++ {
		if w := CheckCodes(f, now, now).Wait; w != 0 {
			t.Errorf("%d wrong codes: wait %v, want none", f, w)
		}
	}
	if w := CheckCodes(CodeFreeFailures, now, now).Wait; w != time.Second {
		t.Errorf("%d wrong codes: wait %v, want 1s", CodeFreeFailures, w)
	}
	if w := CheckCodes(CodeFreeFailures+3, now, now.Add(time.Second)).Wait; w != 7*time.Second {
		t.Errorf("%d wrong codes, a second later: wait %v, want 7s", CodeFreeFailures+3, w)
	}
	if w := CheckCodes(40, now, now.Add(CodeFailureDecay)).Wait; w != 0 {
		t.Errorf("an hour after the last wrong code: wait %v, want none (the count decays)", w)
	}
	if CodesExhausted(CodeEndAfter-1) || !CodesExhausted(CodeEndAfter) {
		t.Errorf("the sign-in must end at %d wrong codes, not before", CodeEndAfter)
	}
	waits := CodeWaits()
	if last := waits[len(waits)-1]; last != MaxThrottleWait || CodeWait(len(waits)+20) != MaxThrottleWait {
		t.Errorf("the table of waits ends at %v, want %v for every count beyond", last, MaxThrottleWait)
	}
	for f, w := range waits {
		if w != CodeWait(f) {
			t.Errorf("waits[%d] = %v, CodeWait = %v", f, w, CodeWait(f))
		}
	}
}

// BenchmarkSignInPolicy measures one policy evaluation of the heaviest kind: the
// favourite gone, so the fallback is chosen among 2,000 accounts, then the steps.
func BenchmarkSignInPolicy(b *testing.B) {
	f := Facts{Subject: Subject{HasPassword: true, TOTPEnrolled: true}}
	for i := range 2000 {
		r := strict
		r.AccountID = int64(i + 1)
		f.Candidates = append(f.Candidates, cand(r, 1+i%28))
	}
	p := Proof{Method: MethodPassword}
	b.ReportAllocs()
	for b.Loop() {
		if len(SignIn(Governing(f), f.Subject, p)) != 1 {
			b.Fatal("want one step")
		}
	}
}

// BenchmarkEntryPolicy measures the step-up check every account page makes.
func BenchmarkEntryPolicy(b *testing.B) {
	s := Subject{HasPassword: true, TOTPEnrolled: true}
	p := Proof{Method: MethodPassword, MFA: true}
	for b.Loop() {
		if Entry(vault, s, p) != nil {
			b.Fatal("want none")
		}
	}
}

func TestEntryRole(t *testing.T) {
	tests := []struct {
		name       string
		status     string
		membership string
		roleID     int64
		orgOwner   bool
		wantRole   int64
		wantCode   string
	}{
		{"active member", "active", "active", domain.EditorRoleID, false, domain.EditorRoleID, ""},
		{"stranger", "active", "", 0, false, 0, domain.ENOTFOUND},
		{"deactivated", "active", "deactivated", domain.ViewerRoleID, false, 0, domain.EREVOKED},
		{"removed", "active", "removed", domain.ViewerRoleID, false, 0, domain.EREVOKED},
		{"closed account", "closed", "active", domain.ViewerRoleID, false, 0, domain.ECLOSED},
		{"stranger to a closed account", "closed", "", 0, false, 0, domain.ENOTFOUND},
		{"organisation owner without membership", "active", "", 0, true, domain.AdministratorRoleID, ""},
		{"organisation owner who is a viewer", "active", "active", domain.ViewerRoleID, true, domain.AdministratorRoleID, ""},
		{"organisation owner who owns the account", "active", "active", domain.OwnerRoleID, true, domain.OwnerRoleID, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			role, _, err := EntryRole("Acme", tt.status, tt.membership, tt.roleID, "x", tt.orgOwner)
			if domain.ErrorCode(err) != tt.wantCode || role != tt.wantRole {
				t.Fatalf("EntryRole = %d, %v; want %d, code %q", role, err, tt.wantRole, tt.wantCode)
			}
		})
	}
}
