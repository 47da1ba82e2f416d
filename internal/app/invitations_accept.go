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

// The invitation link (/invitations/{token}): anyone holding it sees whom it invites to
// what; the invited person accepts (a new user choosing a name and password, an
// existing one after signing in as the invited email) or declines.

// Invitation link states, as InvitationView.State reports them.
const (
	LinkOpen     = domain.InvitationLinkOpen
	LinkReplaced = domain.InvitationLinkReplaced
	LinkAccepted = domain.InvitationAccepted
	LinkDeclined = domain.InvitationDeclined
	LinkRevoked  = domain.InvitationRevoked
	LinkExpired  = domain.InvitationExpired
	LinkEnded    = domain.InvitationEnded
)

// ErrBadInvitationLink answers a link that is malformed or unknown.
var ErrBadInvitationLink = domain.Errorf(domain.ENOTFOUND, "This invitation link is not valid. Check that you copied the "+
	"whole link from the email, or ask the person who invited you to send the invitation again.")

// ErrInvitationClosed answers an attempt to use a link that no longer works (used,
// declined, revoked, expired, replaced or ended); the link's page says which.
var ErrInvitationClosed = domain.Errorf(domain.EINVALID, "This invitation can no longer be used.")

// ErrSignInToAnswer answers an invitation for an email that already has a user, when
// the request is not signed in as that user.
var ErrSignInToAnswer = domain.Errorf(domain.EUNAUTHORISED, "You already have an Atrium login for this email: sign in to answer the invitation.")

// InvitationView is what an invitation link shows.
type InvitationView struct {
	Invitation domain.Invitation
	// State is LinkOpen when the link can be used, and otherwise says why not.
	State string
	// UserExists says whether the invited email already has a user (who signs in to
	// answer) or not (who chooses a name and password).
	UserExists bool
}

// linkState is what a link can do now.
func linkState(inv domain.Invitation, replaced bool, now time.Time) string {
	switch {
	case inv.Status != domain.InvitationPending:
		return inv.Status
	case replaced:
		return LinkReplaced
	case !now.Before(inv.ExpiresAt):
		return LinkExpired
	}
	return LinkOpen
}

// InvitationByLink returns what the invitation link with token shows, using nothing.
// A token of the wrong length or alphabet is refused before any query
// (ErrBadInvitationLink, as for an unknown one).
func (a *App) InvitationByLink(ctx context.Context, token string) (InvitationView, error) {
	if !auth.TokenWellFormed(token) {
		return InvitationView{}, ErrBadInvitationLink
	}
	inv, replaced, err := a.store.InvitationByToken(ctx, auth.HashToken(token))
	if store.IsNotFound(err) {
		return InvitationView{}, ErrBadInvitationLink
	} else if err != nil {
		return InvitationView{}, err
	}
	v := InvitationView{Invitation: inv, State: linkState(inv, replaced, a.now())}
	if v.State == LinkOpen {
		if _, err := a.store.UserByEmail(ctx, inv.Email); err == nil {
			v.UserExists = true
		} else if !store.IsNotFound(err) {
			return v, err
		}
	}
	return v, nil
}

// SameEmail reports whether two addresses are the same for Atrium (case-insensitive).
func SameEmail(a, b string) bool { return NormaliseEmail(a) == NormaliseEmail(b) }

// wrongUser refuses an invitation to someone signed in as another email.
func wrongUser(signedIn, invited string) error {
	return domain.Errorf(domain.EFORBIDDEN, "You are signed in as %s, but this invitation is for %s. Nothing has been granted. "+
		"Sign out, then open the link again to continue as %s.", signedIn, invited, invited)
}

// lockedInvitation is an invitation link's invitation, read under its account's lock.
type lockedInvitation struct {
	inv   domain.Invitation
	acc   domain.Account
	state string
}

// lockByLink finds the invitation of a link, locks its account (expiring overdue
// invitations) and then the invitation, and reads the link's state afresh under the
// lock.
func (a *App) lockByLink(ctx context.Context, tx *store.Tx, token string) (lockedInvitation, error) {
	var l lockedInvitation
	if !auth.TokenWellFormed(token) {
		return l, ErrBadInvitationLink
	}
	hash := auth.HashToken(token)
	found, _, err := tx.InvitationByToken(ctx, hash)
	if store.IsNotFound(err) {
		return l, ErrBadInvitationLink
	} else if err != nil {
		return l, err
	}
	now := a.now()
	if l.acc, err = lockForSeats(ctx, tx, found.AccountID, now); err != nil {
		return l, err
	}
	if l.inv, err = tx.LockInvitation(ctx, l.acc.ID, found.ID); err != nil {
		return l, err
	}
	_, replaced, err := tx.InvitationByToken(ctx, hash)
	if err != nil {
		return l, err
	}
	l.state = linkState(l.inv, replaced, now)
	if l.state == LinkOpen && l.acc.Status != domain.AccountActive {
		l.state = LinkEnded
	}
	return l, nil
}

// AcceptInvitation makes the signed-in actor a member of the invitation's account with
// its role, and lists them in the organisation. The actor's email must be the invited
// one (EFORBIDDEN otherwise, nothing granted); the link must still work
// (ErrInvitationClosed otherwise); a seat must be free, counted again under the
// account's lock. The session, having proven proof, must owe nothing the invited
// account's rules ask of someone joining it (policy.Join, read afresh under the lock):
// ErrJoinStepsOwed otherwise, nothing granted and the invitation still pending. A
// second acceptance by the same user (a double submit) succeeds without granting
// twice. The inviter is emailed. Audited.
func (a *App) AcceptInvitation(ctx context.Context, actor Actor, token string, proof policy.Proof) (domain.Invitation, error) {
	u, err := a.User(ctx, actor.UserID)
	if err != nil {
		return domain.Invitation{}, err
	}
	var inv domain.Invitation
	err = a.tx(ctx, func(tx *store.Tx) error {
		l, err := a.lockByLink(ctx, tx, token)
		if err != nil {
			return err
		}
		inv = l.inv
		if !SameEmail(u.Email, l.inv.Email) {
			return wrongUser(u.Email, l.inv.Email)
		}
		if l.state == LinkAccepted && l.inv.AnsweredByID == u.ID {
			return nil // the same acceptance, submitted twice
		}
		if l.state != LinkOpen {
			return ErrInvitationClosed
		}
		steps, err := joinSteps(ctx, tx.Q, l.acc, u, proof)
		if err != nil {
			return err
		}
		if len(steps) > 0 {
			return ErrJoinStepsOwed
		}
		return a.accept(ctx, tx, l, u, actor)
	})
	return inv, err
}

// InvitationLinkShape reports whether token has the shape of an invitation link's
// token; anything else is refused before any query.
func InvitationLinkShape(token string) bool { return auth.TokenWellFormed(token) }

// NewUserInput is what someone new to Atrium gives to accept an invitation.
type NewUserInput struct {
	FullName string
	Password string
	IP       string
}

// AcceptInvitationAsNewUser creates the invited email's user with the name and password
// chosen (the password rules of auth.CheckNewPassword), then accepts as
// AcceptInvitation does. The email must not have a user yet (ErrSignInToAnswer). The
// caller then signs the user in. Audited.
func (a *App) AcceptInvitationAsNewUser(ctx context.Context, token string, in NewUserInput) (domain.User, domain.Invitation, error) {
	var u domain.User
	var inv domain.Invitation
	name, err := cleanPersonName("full_name", in.FullName, 120, true)
	if err != nil {
		return u, inv, err
	}
	if err := checkSecret("password", in.Password); err != nil {
		return domain.User{}, domain.Invitation{}, err
	}
	if msg := auth.CheckNewPassword(in.Password); msg != "" {
		return u, inv, domain.FieldError("password", msg)
	}
	// Refuse a dead link before paying for a hash.
	v, err := a.InvitationByLink(ctx, token)
	if err != nil {
		return u, inv, err
	}
	if v.State != LinkOpen {
		return u, inv, ErrInvitationClosed
	}
	if v.UserExists {
		return u, inv, ErrSignInToAnswer
	}
	hash, err := a.hasher.Hash(ctx, in.Password)
	if err != nil {
		return u, inv, err
	}
	err = a.tx(ctx, func(tx *store.Tx) error {
		l, err := a.lockByLink(ctx, tx, token)
		if err != nil {
			return err
		}
		inv = l.inv
		if l.state != LinkOpen {
			return ErrInvitationClosed
		}
		if u, err = tx.CreatePendingUser(ctx, l.inv.Email, name, l.inv.InvitedByEmail+"'s invitation to "+l.acc.Name); err != nil {
			if domain.ErrorCode(err) == domain.ECONFLICT {
				return ErrSignInToAnswer
			}
			return err
		}
		if err := tx.SetOwnPassword(ctx, u.ID, hash, "the invitation from "+l.inv.InvitedByEmail+" to "+l.acc.Name); err != nil {
			return err
		}
		return a.accept(ctx, tx, l, u, Actor{UserID: u.ID, Email: u.Email, IP: in.IP})
	})
	return u, inv, err
}

// accept grants the invitation's role to u in the locked account, marks the invitation
// accepted and emails the inviter.
func (a *App) accept(ctx context.Context, tx *store.Tx, l lockedInvitation, u domain.User, actor Actor) error {
	acc, inv := l.acc, l.inv
	if inv.RoleID == 0 {
		return domain.Errorf(domain.EINVALID, "The role this invitation offered (%s) no longer exists in %s. Ask %s (%s) to invite you again.",
			inv.RoleName, acc.Name, inv.InvitedByName, inv.InvitedByEmail)
	}
	role, err := tx.RoleForAccount(ctx, acc.ID, inv.RoleID)
	if err != nil {
		return err
	}
	m, err := tx.Member(ctx, acc.ID, u.ID)
	if err != nil && !store.IsNotFound(err) {
		return err
	}
	if m.Status != domain.MembershipActive {
		if !domain.MultiUser(acc.Plan) {
			return domain.Errorf(domain.EINVALID, "%s is on the Solo plan, which allows only its owner, so you cannot join it now. Ask %s (%s) about it.",
				acc.Name, inv.InvitedByName, inv.InvitedByEmail)
		}
		// This invitation's own seat is among the pending ones.
		if used := acc.MemberCount + acc.PendingInvitations - 1; used >= acc.SeatLimit {
			return domain.Errorf(domain.EINVALID, "%s has no free seat: all %d are in use. Ask %s (%s) to free one; your invitation works until %s.",
				acc.Name, acc.SeatLimit, inv.InvitedByName, inv.InvitedByEmail, mail.When(inv.ExpiresAt))
		}
		if err := tx.GrantMembership(ctx, acc.ID, u.ID, role.ID); err != nil {
			return err
		}
	}
	if err := tx.AddOrganisationMember(ctx, acc.OrganisationID, u.ID); err != nil {
		return err
	}
	if err := tx.SetInvitationStatus(ctx, acc.ID, inv.ID, domain.InvitationAccepted, u.ID, a.now()); err != nil {
		return err
	}
	if err := a.tellInviter(ctx, tx, inv, u.FullName, true); err != nil {
		return err
	}
	return audit(ctx, tx, actor, "Members > Invitations > Accept > "+inv.Email+" ("+role.Name+")", inv.Email, acc.ID, acc.OrganisationID)
}

// tellInviter emails the inviter that the invitation was accepted or declined.
func (a *App) tellInviter(ctx context.Context, tx *store.Tx, inv domain.Invitation, inviteeName string, accepted bool) error {
	_, err := a.mail.Enqueue(ctx, tx, mail.InvitationAnswer(mail.AnswerFacts{To: inv.InvitedByEmail, InviterName: inv.InvitedByName,
		InviteeName: inviteeName, InviteeEmail: inv.Email, AccountID: inv.AccountID, AccountName: inv.AccountName,
		RoleName: inv.RoleName, Accepted: accepted, MembersLink: a.baseURL + "/a/" + inv.AccountSlug + "/members"}))
	return err
}

// DeclineInvitation declines an invitation whose link still works; the inviter is
// emailed and the seat is freed. Signed in (actor.UserID set), the actor's email must
// be the invited one (EFORBIDDEN otherwise); signed out, the invited email must have no
// user yet (ErrSignInToAnswer otherwise): an existing user signs in to answer.
// Audited.
func (a *App) DeclineInvitation(ctx context.Context, actor Actor, token string) (domain.Invitation, error) {
	var inv domain.Invitation
	err := a.tx(ctx, func(tx *store.Tx) error {
		l, err := a.lockByLink(ctx, tx, token)
		if err != nil {
			return err
		}
		inv = l.inv
		name := l.inv.FullName()
		if actor.UserID != 0 {
			u, err := tx.UserByID(ctx, actor.UserID)
			if err != nil {
				return err
			}
			if !SameEmail(u.Email, l.inv.Email) {
				return wrongUser(u.Email, l.inv.Email)
			}
			name = u.FullName
		} else if _, err := tx.UserByEmail(ctx, l.inv.Email); err == nil {
			return ErrSignInToAnswer
		} else if !store.IsNotFound(err) {
			return err
		}
		if l.state != LinkOpen {
			return ErrInvitationClosed
		}
		if err := tx.SetInvitationStatus(ctx, l.acc.ID, l.inv.ID, domain.InvitationDeclined, actor.UserID, a.now()); err != nil {
			return err
		}
		if err := a.tellInviter(ctx, tx, l.inv, name, false); err != nil {
			return err
		}
		who := actor
		if who.UserID == 0 {
			who.Email = l.inv.Email
		}
		return audit(ctx, tx, who, "Members > Invitations > Decline > "+l.inv.Email, l.inv.Email, l.acc.ID, l.acc.OrganisationID)
	})
	return inv, err
}

// InviteeName is how the page behind a link greets the invitee.
func (v InvitationView) InviteeName() string { return strings.TrimSpace(v.Invitation.FullName()) }
