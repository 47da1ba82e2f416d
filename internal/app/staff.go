package app

import (
	"context"
	"strings"
	"time"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/mail"
	"atrium/internal/policy"
	"atrium/internal/store"
)

// SetPasswordTTL is how long a set-password link stays valid.
const SetPasswordTTL = 72 * time.Hour

func requireStaff(actor Actor) error {
	if !actor.IsStaff {
		return domain.Errorf(domain.ENOTFOUND, "Page not found.")
	}
	return nil
}

// ListOrganisations lists every organisation with its accounts (staff only).
func (a *App) ListOrganisations(ctx context.Context, actor Actor) ([]OrganisationView, error) {
	if err := requireStaff(actor); err != nil {
		return nil, err
	}
	orgs, err := a.store.ListOrganisations(ctx)
	if err != nil {
		return nil, err
	}
	accounts, err := a.store.AllAccounts(ctx)
	if err != nil {
		return nil, err
	}
	owners, err := a.store.OwnerCounts(ctx)
	if err != nil {
		return nil, err
	}
	byOrg := map[int64][]domain.Account{}
	for _, acc := range accounts {
		byOrg[acc.OrganisationID] = append(byOrg[acc.OrganisationID], acc)
	}
	out := make([]OrganisationView, 0, len(orgs))
	for _, o := range orgs {
		out = append(out, OrganisationView{Organisation: o, Accounts: byOrg[o.ID], OwnerCount: owners[o.ID]})
	}
	return out, nil
}

// CreateOrganisation creates an organisation (staff only). A used slug gives ECONFLICT
// on the slug field. Audited.
func (a *App) CreateOrganisation(ctx context.Context, actor Actor, name, slug string) (domain.Organisation, error) {
	if err := requireStaff(actor); err != nil {
		return domain.Organisation{}, err
	}
	name, err := cleanName("name", name, 120)
	if err != nil {
		return domain.Organisation{}, err
	}
	if slug, err = cleanSlug("slug", slug, name); err != nil {
		return domain.Organisation{}, err
	}
	var o domain.Organisation
	err = a.tx(ctx, func(tx *store.Tx) error {
		if o, err = tx.CreateOrganisation(ctx, slug, name); err != nil {
			if domain.ErrorCode(err) == domain.ECONFLICT {
				return domain.FieldError("slug", "An organisation already uses the address "+slug+".")
			}
			return err
		}
		return audit(ctx, tx, actor, "Staff > Organisations > Create", name, 0, o.ID)
	})
	return o, err
}

// NewAccountInput is what staff fill in to create an account.
type NewAccountInput struct {
	OrganisationSlug string
	Name             string
	Slug             string
	Plan             string
	SeatLimit        int
	OwnerEmail       string
	OwnerName        string
	// ConfirmOwnerID confirms an owner email that already belongs to a user: it must be
	// that user's id (CreateAccount answers ErrConfirmExisting with who they are first).
	ConfirmOwnerID int64
}

// Invited reports a user created on the way, with their one-time set-password link.
type Invited struct {
	User            domain.User
	Created         bool
	SetPasswordLink string
	// Emailed says the link was emailed to User.Email instead (SetPasswordLink is then
	// empty): staff never see a link meant for someone else.
	Emailed bool
	// Existing, with ErrConfirmExisting, is who the email already belongs to: staff
	// confirm before making that user an owner.
	Existing *domain.UserFacts
}

// ErrConfirmExisting asks staff to confirm that an existing user, shown to them, is the
// one they mean to make an owner: otherwise anyone who created a user under a future
// customer's email would silently own what staff create for that customer.
var ErrConfirmExisting = domain.FieldError("confirm", "That email already belongs to a user. Check who they are, then confirm.")

// createdBy describes the actor as the creator of a user or a link.
func (actor Actor) createdBy() string {
	switch {
	case actor.UserID == 0:
		return "Atrium (" + actor.Email + ")"
	case actor.IsStaff:
		return "Atrium staff (" + actor.Email + ")"
	}
	return actor.Email
}

// CreateAccount creates an account in an organisation with its owner (staff only).
// The owner is found by email or created, and then emailed a one-time set-password
// link in the same transaction. Audited.
func (a *App) CreateAccount(ctx context.Context, actor Actor, in NewAccountInput) (domain.Account, Invited, error) {
	var acc domain.Account
	var inv Invited
	if err := requireStaff(actor); err != nil {
		return acc, inv, err
	}
	name, err := cleanName("name", in.Name, 120)
	if err != nil {
		return acc, inv, err
	}
	slug, err := cleanSlug("slug", in.Slug, name)
	if err != nil {
		return acc, inv, err
	}
	plan := in.Plan
	if plan == "" {
		plan = "team"
	}
	if plan != "solo" && plan != "team" && plan != "enterprise" {
		return acc, inv, domain.FieldError("plan", "Choose a plan.")
	}
	seats := in.SeatLimit
	if seats == 0 {
		seats = 25
	}
	if seats < 1 || seats > 100000 {
		return acc, inv, domain.FieldError("seat_limit", "Enter a seat limit between 1 and 100000.")
	}
	err = a.tx(ctx, func(tx *store.Tx) error {
		o, err := tx.OrganisationBySlug(ctx, in.OrganisationSlug)
		if err != nil {
			return domain.FieldError("organisation", "Choose an existing organisation.")
		}
		if inv, err = a.findOrCreateUser(ctx, tx, actor, in.OwnerEmail, in.OwnerName, "owner_email", in.ConfirmOwnerID); err != nil {
			return err
		}
		acc, err = tx.CreateAccount(ctx, store.NewAccount{OrganisationID: o.ID, Slug: slug, Name: name, Plan: plan,
			SeatLimit: seats, OwnerUserID: inv.User.ID})
		if err != nil {
			if domain.ErrorCode(err) == domain.ECONFLICT {
				return domain.FieldError("slug", "An account already uses the address "+slug+".")
			}
			return err
		}
		if err := a.emailSetPasswordLink(ctx, tx, &inv, "the account "+name+" of "+o.Name, acc.ID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Staff > Accounts > Create > owner "+inv.User.Email, name, acc.ID, o.ID)
	})
	return acc, inv, err
}

// AppointOrganisationOwner makes the user with email an owner of the organisation,
// creating the user when missing and emailing them a set-password link in the same
// transaction (staff only). An email that
// already belongs to a user needs confirmUserID to be that user's id: otherwise it
// answers ErrConfirmExisting with who they are in Invited.Existing. Audited.
func (a *App) AppointOrganisationOwner(ctx context.Context, actor Actor, orgSlug, email, fullName string, confirmUserID int64) (Invited, error) {
	var inv Invited
	if err := requireStaff(actor); err != nil {
		return inv, err
	}
	err := a.tx(ctx, func(tx *store.Tx) error {
		o, err := tx.OrganisationBySlug(ctx, orgSlug)
		if err != nil {
			return domain.FieldError("organisation", "Choose an existing organisation.")
		}
		if inv, err = a.findOrCreateUser(ctx, tx, actor, email, fullName, "email", confirmUserID); err != nil {
			return err
		}
		if owner, err := tx.IsOrganisationOwner(ctx, o.ID, inv.User.ID); err != nil {
			return err
		} else if owner {
			return domain.FieldError("email", inv.User.Email+" already owns "+o.Name+".")
		}
		if err := tx.AddOrganisationOwner(ctx, o.ID, inv.User.ID); err != nil {
			return err
		}
		if err := a.emailSetPasswordLink(ctx, tx, &inv, "the organisation "+o.Name, 0); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Staff > Organisations > Appoint owner > "+inv.User.Email, inv.User.Email, 0, o.ID)
	})
	return inv, err
}

// findOrCreateUser returns the user with email when confirmUserID is their id, and
// otherwise ErrConfirmExisting with who they are; a missing user is created with a
// set-password link, recording actor as their creator.
func (a *App) findOrCreateUser(ctx context.Context, tx *store.Tx, actor Actor, email, fullName, field string, confirmUserID int64) (Invited, error) {
	email, err := cleanEmail(field, email)
	if err != nil {
		return Invited{}, err
	}
	name, err := cleanOptionalName("owner_name", fullName, 120)
	if err != nil {
		return Invited{}, err
	}
	facts, err := tx.UserFactsByEmail(ctx, email)
	if err == nil {
		if facts.User.ID != confirmUserID {
			return Invited{User: facts.User, Existing: &facts}, ErrConfirmExisting
		}
		return Invited{User: facts.User}, nil
	} else if domain.ErrorCode(err) != domain.ENOTFOUND {
		return Invited{}, err
	}
	var u domain.User
	if name == "" {
		if name, err = cleanName("owner_name", email[:strings.IndexByte(email, '@')], 120); err != nil {
			return Invited{}, err
		}
	}
	if u, err = tx.CreatePendingUser(ctx, email, name, actor.createdBy()); err != nil {
		return Invited{}, err
	}
	token, hash := auth.NewToken()
	if err := tx.CreatePasswordToken(ctx, u.ID, hash, a.now().Add(SetPasswordTTL), actor.createdBy()); err != nil {
		return Invited{}, err
	}
	return Invited{User: u, Created: true, SetPasswordLink: a.baseURL + "/set-password/" + token}, nil
}

// emailSetPasswordLink queues, in tx, the email that gives a user created by staff their
// one-time set-password link, as the owner of what (accountID 0 for none), and takes
// the link out of inv. Users who already existed get nothing.
func (a *App) emailSetPasswordLink(ctx context.Context, tx *store.Tx, inv *Invited, what string, accountID int64) error {
	if !inv.Created {
		return nil
	}
	c := mail.Content{
		Heading: "Welcome to Atrium, " + inv.User.FullName,
		Paragraphs: []string{"Atrium staff made you the owner of " + what + ".",
			"Set a password to sign in. The link works once, for 72 hours."},
		ActionLabel: "Set your password", ActionURL: inv.SetPasswordLink,
		Facts:  []mail.Fact{{Label: "Email", Value: inv.User.Email}},
		Footer: "You got this email because someone at Atrium entered your address. If you did not expect it, ignore it: nothing happens until the link is used.",
	}
	if _, err := a.mail.Enqueue(ctx, tx, mail.Compose("set_password", inv.User.Email, "Set your Atrium password", accountID, c)); err != nil {
		return err
	}
	inv.SetPasswordLink, inv.Emailed = "", true
	return nil
}

// errBadLink answers a set-password link that is unknown or not a token at all.
var errBadLink = domain.Errorf(domain.ENOTFOUND, "This link is not valid. Ask for a new one.")

// PasswordTokenUser returns whom a set-password link is for, without using it. A token
// of the wrong shape is refused before any query.
func (a *App) PasswordTokenUser(ctx context.Context, token string) (domain.User, error) {
	if !auth.TokenWellFormed(token) {
		return domain.User{}, errBadLink
	}
	u, err := a.store.PasswordTokenUser(ctx, auth.HashToken(token))
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return u, errBadLink
	}
	return u, err
}

// SetPasswordWithToken sets a password through a one-time link. The link is used up;
// the user's other sessions end. It does not sign the user in. A token of the wrong
// shape is refused before any query or hashing. Audited.
func (a *App) SetPasswordWithToken(ctx context.Context, token, password, ip string) (domain.User, error) {
	if !auth.TokenWellFormed(token) {
		return domain.User{}, errBadLink
	}
	if err := checkSecret("password", password); err != nil {
		return domain.User{}, err
	}
	if msg := auth.CheckNewPassword(password); msg != "" {
		return domain.User{}, domain.FieldError("password", msg)
	}
	hash, err := a.hasher.Hash(ctx, password)
	if err != nil {
		return domain.User{}, err
	}
	var u domain.User
	err = a.tx(ctx, func(tx *store.Tx) error {
		var createdBy string
		if u, createdBy, err = tx.UsePasswordToken(ctx, auth.HashToken(token)); err != nil {
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				return errBadLink
			}
			return err
		}
		via := "a one-time link"
		if createdBy != "" {
			via += " created by " + createdBy
		}
		if err := tx.SetOwnPassword(ctx, u.ID, hash, via); err != nil {
			return err
		}
		if _, err := tx.BumpSessionEpoch(ctx, u.ID); err != nil {
			return err
		}
		// A password set through a link ends any throttling or suspension of the email.
		if err := tx.ClearLoginFailures(ctx, emailThrottleKey(NormaliseEmail(u.Email))); err != nil {
			return err
		}
		return audit(ctx, tx, Actor{UserID: u.ID, Email: u.Email, IP: ip}, "Profile > Set password", u.Email, 0, 0)
	})
	return u, err
}

// UnlockSignIn forgets the failed password attempts counted against an email, which
// lifts its throttling and a suspension of its password step (staff only). The email
// need not belong to a user: attempts are counted for unknown emails too. Audited.
func (a *App) UnlockSignIn(ctx context.Context, actor Actor, email string) error {
	if err := requireStaff(actor); err != nil {
		return err
	}
	email, err := LoginEmail("unlock_email", email)
	if err != nil {
		return domain.FieldError("unlock_email", "Enter an email address.")
	}
	return a.tx(ctx, func(tx *store.Tx) error {
		if err := tx.ClearLoginFailures(ctx, emailThrottleKey(email)); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Staff > Unlock sign-in > "+email, email, 0, 0)
	})
}

// DeleteStaleLoginFailures forgets failed attempts that no longer throttle anything;
// the server runs it periodically.
func (a *App) DeleteStaleLoginFailures(ctx context.Context) (int64, error) {
	return a.store.DeleteStaleLoginFailures(ctx, policy.SuspendAfter)
}
