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

func TestSteps(t *testing.T) {
	pw := Proof{Method: "password", At: time.Now()}
	sso7 := Proof{Method: "sso", ConnectionID: 7}
	tests := []struct {
		name  string
		s     Settings
		subj  Subject
		proof Proof
		want  []Step
	}{
		{"password account, nothing proven", Settings{LoginMethod: "password"}, Subject{HasPassword: true}, Proof{}, []Step{StepPassword}},
		{"password account, password proven", Settings{LoginMethod: "password"}, Subject{HasPassword: true}, pw, nil},
		{"sso account sends to its identity provider", Settings{LoginMethod: "sso", SSOConnectionID: 7}, Subject{HasPassword: true}, Proof{}, []Step{StepSSO}},
		{"sso account: a password is not enough", Settings{LoginMethod: "sso", SSOConnectionID: 7}, Subject{HasPassword: true}, pw, []Step{StepSSO}},
		{"sso account: another connection is not enough", Settings{LoginMethod: "sso", SSOConnectionID: 7}, Subject{}, Proof{Method: "sso", ConnectionID: 8}, []Step{StepSSO}},
		{"sso account satisfied", Settings{LoginMethod: "sso", SSOConnectionID: 7}, Subject{}, sso7, nil},
		{"both: password user uses password", Settings{LoginMethod: "both", SSOConnectionID: 7}, Subject{HasPassword: true}, Proof{}, []Step{StepPassword}},
		{"both: user without password goes to SSO", Settings{LoginMethod: "both", SSOConnectionID: 7}, Subject{}, Proof{}, []Step{StepSSO}},
		{"both: sso proof suffices", Settings{LoginMethod: "both", SSOConnectionID: 7}, Subject{HasPassword: true}, sso7, nil},
		{"2FA required, enrolled: code", Settings{LoginMethod: "password", MFARequired: true}, Subject{HasPassword: true, TOTPEnrolled: true}, pw, []Step{StepTOTP}},
		{"2FA required, not enrolled: enrol", Settings{LoginMethod: "password", MFARequired: true}, Subject{HasPassword: true}, pw, []Step{StepTOTPEnrol}},
		{"2FA required, nothing proven", Settings{LoginMethod: "password", MFARequired: true}, Subject{HasPassword: true, TOTPEnrolled: true}, Proof{}, []Step{StepPassword, StepTOTP}},
		{"2FA done", Settings{LoginMethod: "password", MFARequired: true}, Subject{HasPassword: true, TOTPEnrolled: true}, Proof{Method: "password", MFA: true}, nil},
		{"sso with 2FA required", Settings{LoginMethod: "sso", SSOConnectionID: 7, MFARequired: true}, Subject{TOTPEnrolled: true}, sso7, []Step{StepTOTP}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Steps(tt.s, tt.subj, tt.proof); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Steps = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEntrySteps_StepUp(t *testing.T) {
	strict := domain.Account{LoginMethod: "password", MFARequired: true, EnforceOnEntry: true}
	lax := domain.Account{LoginMethod: "password", MFARequired: true}
	pw := Proof{Method: "password"}
	if got := EntrySteps(strict, 0, Subject{HasPassword: true, TOTPEnrolled: true}, pw); !reflect.DeepEqual(got, []Step{StepTOTP}) {
		t.Fatalf("strict account entered with password only: %v, want totp", got)
	}
	if got := EntrySteps(lax, 0, Subject{HasPassword: true, TOTPEnrolled: true}, pw); got != nil {
		t.Fatalf("account not enforcing on entry asked for %v", got)
	}
	ssoStrict := domain.Account{LoginMethod: "sso", EnforceOnEntry: true}
	if got := EntrySteps(ssoStrict, 3, Subject{HasPassword: true}, pw); !reflect.DeepEqual(got, []Step{StepSSO}) {
		t.Fatalf("sso-enforcing account entered with password: %v", got)
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
