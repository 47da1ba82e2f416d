package app

import (
	"context"

	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/internal/store"
)

// SignInState is a sign-in in progress: who is signing in and what the login policy
// needs to decide the steps they owe (the rules that govern them, chosen from their
// favourite account or its fallback when the sign-in began, and what they have set
// up). The HTTP layer keeps it between steps in the session's server-side data, so each
// step runs the policy again without reading anything. Secrets in it are sealed.
type SignInState struct {
	UserID  int64
	Email   string
	Name    string
	Epoch   int
	Subject policy.Subject
	Rules   policy.Rules
	// Secret is the user's sealed TOTP secret (nil: not set up); NewSecret the sealed
	// secret being set up at the enrolment step.
	Secret    []byte
	NewSecret []byte
}

// Owed returns the steps still owed after proof (none: the sign-in is complete).
func (st SignInState) Owed(proof policy.Proof) []policy.Step {
	return policy.SignIn(st.Rules, st.Subject, proof)
}

// User is the user signing in, as far as the state knows them.
func (st SignInState) User() domain.User {
	return domain.User{ID: st.UserID, Email: st.Email, FullName: st.Name, SessionEpoch: st.Epoch}
}

// SignInStateOf reads the sign-in state of a user who has just proven who they are
// some other way than the password step (accepting an invitation with a new password,
// say), so that the sign-in is completed by the login policy like any other. An account
// they then enter asks its own rules on entry, if it enforces them (step-up).
// EUNAUTHORISED for a missing or disabled user.
func (a *App) SignInStateOf(ctx context.Context, userID int64) (SignInState, error) {
	u, err := a.User(ctx, userID)
	if err != nil {
		return SignInState{}, err
	}
	f, err := a.store.SignInFacts(ctx, NormaliseEmail(u.Email), "", "")
	if err != nil {
		return SignInState{}, err
	}
	return stateOf(ctx, a.store.Q, f)
}

// stateOf builds the sign-in state from the facts read for an email, reading through
// q the accounts the user can enter when their favourite cannot be entered (the login
// policy then chooses the one whose rules apply).
func stateOf(ctx context.Context, q store.Q, f store.SignInFacts) (SignInState, error) {
	u := f.User
	st := SignInState{UserID: u.ID, Email: u.Email, Name: u.FullName, Epoch: u.SessionEpoch, Secret: f.TOTPSecret,
		Subject: policy.Subject{HasPassword: f.PasswordHash != "", TOTPEnrolled: f.TOTPSecret != nil, SSOIdentities: f.SSOIdentities}}
	if u.ID == 0 {
		st.Rules = policy.DefaultRules
		return st, nil
	}
	facts := policy.Facts{Subject: st.Subject}
	if f.FavouriteOK {
		r := policy.RulesOf(f.Favourite)
		facts.Favourite = &r
	} else {
		rows, err := q.SignInCandidates(ctx, u.ID)
		if err != nil {
			return SignInState{}, err
		}
		for _, c := range rows {
			facts.Candidates = append(facts.Candidates, policy.Candidate{Entry: c.Entry, Rules: policy.Rules{
				AccountID: c.Entry.AccountID, AccountName: c.Entry.AccountName, LoginMethod: c.LoginMethod, SSOConnectionID: c.SSOConnectionID,
				MFARequired: c.MFARequired, EnforceOnEntry: c.Enforce}})
		}
	}
	st.Rules = policy.Governing(facts)
	return st, nil
}
