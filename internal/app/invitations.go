package app

import (
	"context"
	"time"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/mail"
	"atrium/internal/store"
)

// Invitations: members holding members.invite ask someone, by email, to join their
// account with a role no higher than their own. An invitation stays pending, holding a
// seat, until it is accepted, declined, revoked or expires, or the account closes. Its
// link carries a 256-bit token of which only the hash is kept; a resend replaces it.

// InviteInput is what an inviter fills in.
type InviteInput struct {
	FirstName string
	LastName  string
	Email     string
	RoleID    int64
	// Message is an optional personal message: short plain text, shown quoted.
	Message string
}

// invitee is an InviteInput after cleaning.
type invitee struct{ first, last, email, message string }

func cleanInvitee(in InviteInput) (invitee, error) {
	var v invitee
	var err error
	if v.first, err = cleanPersonName("first_name", in.FirstName, 60, true); err != nil {
		return v, err
	}
	if v.last, err = cleanPersonName("last_name", in.LastName, 60, false); err != nil {
		return v, err
	}
	if v.email, err = cleanEmail("email", in.Email); err != nil {
		return v, err
	}
	v.message, err = cleanMessage("message", in.Message)
	return v, err
}

// InviteResult is what sending an invitation did.
type InviteResult struct {
	Invitation domain.Invitation
	// Pending is set, with an EINVALID error on the email field, when an invitation to
	// that email is already pending: the page offers to send it again.
	Pending *domain.Invitation
}

// lockForSeats takes the account's row lock and expires its overdue invitations, so
// the account returned counts only invitations still pending.
func lockForSeats(ctx context.Context, tx *store.Tx, accountID int64, now time.Time) (domain.Account, error) {
	acc, err := tx.LockAccount(ctx, accountID)
	if err != nil {
		return acc, err
	}
	n, err := tx.ExpireInvitations(ctx, acc.ID, now)
	acc.PendingInvitations -= int(n)
	return acc, err
}

// InvitableRoles are the roles the caller may invite someone with: the account's
// roles within the caller's reach, never Owner. Needs members.invite.
func (a *App) InvitableRoles(ctx context.Context, h Access) ([]domain.Role, error) {
	access, err := a.open(h)
	if err != nil {
		return nil, err
	}
	if !access.Permissions.Has(domain.PermMembersInvite) {
		return nil, forbidden(domain.PermMembersInvite)
	}
	caller, err := a.callerReach(ctx, access)
	if err != nil {
		return nil, err
	}
	roles, err := a.store.RolesOfAccount(ctx, access.Account.ID)
	if err != nil {
		return nil, err
	}
	return grantableRoles(caller, roles, 0), nil
}

// Invite invites someone to the caller's account (members.invite) with a role within
// the caller's reach. The email may not belong to a member already (active or
// deactivated), nor have an invitation pending (InviteResult.Pending); a seat must be
// free (pending invitations count); sends are rate-limited per sender and per account
// (ETOOMANY). The invitation email is written to the outbox in the same transaction.
// Audited.
func (a *App) Invite(ctx context.Context, actor Actor, h Access, in InviteInput) (InviteResult, error) {
	access, err := a.open(h)
	if err != nil {
		return InviteResult{}, err
	}
	if !access.Permissions.Has(domain.PermMembersInvite) {
		return InviteResult{}, forbidden(domain.PermMembersInvite)
	}
	v, err := cleanInvitee(in)
	if err != nil {
		return InviteResult{}, err
	}
	caller, err := a.callerReach(ctx, access)
	if err != nil {
		return InviteResult{}, err
	}
	var res InviteResult
	err = a.tx(ctx, func(tx *store.Tx) error {
		res, err = a.invite(ctx, tx, actor, caller, access.Account.ID, v, in.RoleID, "Members > Invite > ")
		return err
	})
	return res, err
}

// invite is inviting, from an account's members list or an organisation's Users page,
// inside tx: see Invite.
func (a *App) invite(ctx context.Context, tx *store.Tx, actor Actor, caller reach, accountID int64, v invitee, roleID int64,
	auditPrefix string) (InviteResult, error) {
	var res InviteResult
	now := a.now()
	// The role is checked before the account is locked (which may expire invitations):
	// a refused choice writes nothing.
	role, err := tx.RoleForAccount(ctx, accountID, roleID)
	if err != nil {
		return res, domain.FieldError("role", "Choose one of this account's roles.")
	}
	if err := canGrant(caller, role); err != nil {
		return res, err
	}
	acc, err := lockForSeats(ctx, tx, accountID, now)
	if err != nil {
		return res, err
	}
	if acc.Status != domain.AccountActive {
		return res, domain.Errorf(domain.EINVALID, "%s is closed: nobody can be invited to it.", acc.Name)
	}
	if err := notYetMember(ctx, tx, acc, v.email); err != nil {
		return res, err
	}
	if p, err := tx.PendingInvitationFor(ctx, acc.ID, v.email); err == nil {
		res.Pending = &p
		return res, domain.FieldError("email", "An invitation to "+v.email+" is already pending: sent "+mail.When(p.LastSentAt)+
			" by "+p.InvitedByName+". You can send it again instead.")
	} else if !store.IsNotFound(err) {
		return res, err
	}
	if err := checkSeat(acc); err != nil {
		return res, err
	}
	if err := a.takeSendAllowance(ctx, tx, acc, actor.UserID); err != nil {
		return res, err
	}
	id, err := tx.InsertInvitation(ctx, store.NewInvitation{AccountID: acc.ID, Email: v.email, FirstName: v.first,
		LastName: v.last, RoleID: role.ID, RoleName: role.Name, Message: v.message, InvitedBy: actor.UserID,
		SentAt: now, ExpiresAt: now.Add(a.invitationTTL)})
	if err != nil {
		return res, err
	}
	if res.Invitation, err = a.sendInvitation(ctx, tx, acc.ID, id, ""); err != nil {
		return res, err
	}
	return res, audit(ctx, tx, actor, auditPrefix+v.email+" ("+role.Name+")", v.email, acc.ID, acc.OrganisationID)
}

// notYetMember refuses an email that belongs to an active or deactivated member of the
// locked account.
func notYetMember(ctx context.Context, tx *store.Tx, acc domain.Account, email string) error {
	u, err := tx.UserByEmail(ctx, email)
	if store.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	m, err := tx.Member(ctx, acc.ID, u.ID)
	if store.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	switch m.Status {
	case domain.MembershipActive:
		return domain.FieldError("email", m.FullName+" ("+m.Email+") is already a member of "+acc.Name+", as "+m.RoleName+".")
	case domain.MembershipDeactivated:
		return domain.FieldError("email", m.FullName+" ("+m.Email+") is a deactivated member of "+acc.Name+
			": reactivate them from the members list instead of inviting them.")
	}
	return nil
}

// sendInvitation gives the invitation a new link (the older one stops working) and
// writes its email to the outbox, remembering the message for delivery status. resentBy
// names who sends it again when that is not the inviter. It returns the invitation.
func (a *App) sendInvitation(ctx context.Context, tx *store.Tx, accountID, id int64, resentBy string) (domain.Invitation, error) {
	token, hash := auth.NewToken()
	if err := tx.SetInvitationToken(ctx, accountID, id, hash, a.now()); err != nil {
		return domain.Invitation{}, err
	}
	inv, err := tx.Invitation(ctx, accountID, id)
	if err != nil {
		return inv, err
	}
	m, err := a.mail.Enqueue(ctx, tx, mail.Invitation(a.invitationFacts(inv, a.baseURL+"/invitations/"+token, resentBy)))
	if err != nil {
		return inv, err
	}
	return inv, tx.SetInvitationMail(ctx, accountID, id, m.ID)
}

func (a *App) invitationFacts(inv domain.Invitation, link, resentBy string) mail.InvitationFacts {
	return mail.InvitationFacts{To: inv.Email, FirstName: inv.FirstName, InviterName: inv.InvitedByName,
		InviterEmail: inv.InvitedByEmail, AccountID: inv.AccountID, AccountName: inv.AccountName,
		OrganisationName: inv.OrganisationName, RoleName: inv.RoleName, Message: inv.Message, Link: link,
		ExpiresAt: inv.ExpiresAt, Resend: inv.SentCount > 1, ResentBy: resentBy}
}

// PreviewLink stands in for the personal link in a preview: the real one is made when
// the invitation is sent.
const PreviewLink = "/invitations/your-personal-link"

// PreviewInvitation renders the email Invite would send for in, from the same builder,
// without sending or storing anything. It checks the input and the role as Invite
// does. Needs members.invite.
func (a *App) PreviewInvitation(ctx context.Context, actor Actor, h Access, in InviteInput) (domain.OutboundMail, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.OutboundMail{}, err
	}
	if !access.Permissions.Has(domain.PermMembersInvite) {
		return domain.OutboundMail{}, forbidden(domain.PermMembersInvite)
	}
	v, err := cleanInvitee(in)
	if err != nil {
		return domain.OutboundMail{}, err
	}
	caller, err := a.callerReach(ctx, access)
	if err != nil {
		return domain.OutboundMail{}, err
	}
	role, err := a.store.RoleForAccount(ctx, access.Account.ID, in.RoleID)
	if err != nil {
		return domain.OutboundMail{}, domain.FieldError("role", "Choose one of this account's roles.")
	}
	if err := canGrant(caller, role); err != nil {
		return domain.OutboundMail{}, err
	}
	inviter, err := a.store.UserByID(ctx, actor.UserID)
	if err != nil {
		return domain.OutboundMail{}, err
	}
	inv := domain.Invitation{AccountID: access.Account.ID, AccountName: access.Account.Name,
		OrganisationName: access.Organisation.Name, Email: v.email, FirstName: v.first, LastName: v.last,
		RoleID: role.ID, RoleName: role.Name, Message: v.message, InvitedByName: inviter.FullName,
		InvitedByEmail: inviter.Email, SentCount: 1, ExpiresAt: a.now().Add(a.invitationTTL)}
	return mail.Invitation(a.invitationFacts(inv, a.baseURL+PreviewLink, "")), nil
}

// invitationChange runs one change to an invitation of the caller's account: it
// checks members.invite, locks the account (expiring overdue invitations), loads the
// invitation (ENOTFOUND for another account's), refuses one whose role lies beyond the
// caller's reach, runs fn and writes the audit event fn names.
func (a *App) invitationChange(ctx context.Context, actor Actor, h Access, id int64,
	fn func(tx *store.Tx, acc domain.Account, inv domain.Invitation) (string, error)) (domain.Invitation, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.Invitation{}, err
	}
	if !access.Permissions.Has(domain.PermMembersInvite) {
		return domain.Invitation{}, forbidden(domain.PermMembersInvite)
	}
	caller, err := a.callerReach(ctx, access)
	if err != nil {
		return domain.Invitation{}, err
	}
	var inv domain.Invitation
	err = a.tx(ctx, func(tx *store.Tx) error {
		acc, err := lockForSeats(ctx, tx, access.Account.ID, a.now())
		if err != nil {
			return err
		}
		if inv, err = tx.LockInvitation(ctx, acc.ID, id); err != nil {
			return domain.Errorf(domain.ENOTFOUND, "That invitation is not part of this account.")
		}
		if inv.RoleID != 0 {
			role, err := tx.RoleForAccount(ctx, acc.ID, inv.RoleID)
			if err != nil {
				return err
			}
			if err := caller.covers(roleReach(role), "change an invitation as", role.Name); err != nil {
				return err
			}
		}
		action, err := fn(tx, acc, inv)
		if err != nil {
			return err
		}
		return audit(ctx, tx, actor, action, inv.Email, acc.ID, acc.OrganisationID)
	})
	return inv, err
}

// ResendInvitation sends a pending or expired invitation again with a new link (the
// older link stops working) and a new expiry. Needs members.invite and a role within
// the caller's reach; an expired invitation takes a seat again; the send counts
// against the rate limits. Audited.
func (a *App) ResendInvitation(ctx context.Context, actor Actor, h Access, id int64) (domain.Invitation, error) {
	var out domain.Invitation
	_, err := a.invitationChange(ctx, actor, h, id, func(tx *store.Tx, acc domain.Account, inv domain.Invitation) (string, error) {
		switch inv.Status {
		case domain.InvitationPending:
		case domain.InvitationExpired:
			if _, err := tx.PendingInvitationFor(ctx, acc.ID, inv.Email); err == nil {
				return "", domain.Errorf(domain.EINVALID, "A newer invitation to %s is pending; send that one again instead.", inv.Email)
			} else if !store.IsNotFound(err) {
				return "", err
			}
			if err := checkSeat(acc); err != nil {
				return "", err
			}
		default:
			return "", domain.Errorf(domain.EINVALID, "The invitation to %s was %s; invite them again if needed.", inv.Email, inv.Status)
		}
		if inv.RoleID == 0 {
			return "", domain.Errorf(domain.EINVALID, "The role this invitation offers (%s) has been deleted: revoke it and invite %s again with another role.",
				inv.RoleName, inv.Email)
		}
		if err := a.takeSendAllowance(ctx, tx, acc, actor.UserID); err != nil {
			return "", err
		}
		now := a.now()
		if err := tx.RenewInvitation(ctx, acc.ID, inv.ID, now, now.Add(a.invitationTTL)); err != nil {
			return "", err
		}
		resentBy := ""
		if actor.UserID != inv.InvitedByID {
			resentBy = actor.Email
		}
		var err error
		if out, err = a.sendInvitation(ctx, tx, acc.ID, inv.ID, resentBy); err != nil {
			return "", err
		}
		return "Members > Invitations > Resend > " + inv.Email, nil
	})
	return out, err
}

// RevokeInvitation withdraws a pending or expired invitation: its link stops working
// and its seat is freed. Needs members.invite and a role within the caller's reach.
// Audited.
func (a *App) RevokeInvitation(ctx context.Context, actor Actor, h Access, id int64) (domain.Invitation, error) {
	return a.invitationChange(ctx, actor, h, id, func(tx *store.Tx, acc domain.Account, inv domain.Invitation) (string, error) {
		if inv.Status != domain.InvitationPending && inv.Status != domain.InvitationExpired {
			return "", domain.Errorf(domain.EINVALID, "The invitation to %s was already %s.", inv.Email, inv.Status)
		}
		if err := tx.SetInvitationStatus(ctx, acc.ID, inv.ID, domain.InvitationRevoked, actor.UserID, a.now()); err != nil {
			return "", err
		}
		return "Members > Invitations > Revoke > " + inv.Email, nil
	})
}

// InvitationsPage is one page of an account's open invitations.
type InvitationsPage struct {
	Invitations []domain.Invitation
	Page        int
	More        bool
	// Pending counts the account's pending invitations (all pages).
	Pending int
	// Now is the time the page was read at (to tell expired invitations).
	Now time.Time
}

// Invitations lists one page of the account's pending and expired invitations, newest
// first, with the delivery status of each one's latest email. Needs members.view.
func (a *App) Invitations(ctx context.Context, h Access, page int) (InvitationsPage, error) {
	access, err := a.open(h)
	if err != nil {
		return InvitationsPage{}, err
	}
	if !access.Permissions.Has(domain.PermMembersView) {
		return InvitationsPage{}, forbidden(domain.PermMembersView)
	}
	if page < 1 {
		page = 1
	}
	invs, err := a.store.OpenInvitations(ctx, access.Account.ID, page)
	if err != nil {
		return InvitationsPage{}, err
	}
	p := InvitationsPage{Invitations: invs, Page: page, Now: a.now()}
	if len(invs) > store.InvitationsPageSize {
		p.Invitations, p.More = invs[:store.InvitationsPageSize], true
	}
	acc, err := a.store.AccountBySlug(ctx, access.Account.Slug)
	p.Pending = acc.PendingInvitations
	return p, err
}

// SweepInvitations expires every overdue invitation, account by account under each
// account's lock, and forgets invitation sends no rate limit looks at any more. The
// server runs it periodically; it reports how many invitations expired.
func (a *App) SweepInvitations(ctx context.Context) (int64, error) {
	now := a.now()
	ids, err := a.store.AccountsWithOverdueInvitations(ctx, now)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, id := range ids {
		err := a.tx(ctx, func(tx *store.Tx) error {
			acc, err := tx.LockAccount(ctx, id)
			if err != nil {
				return err
			}
			n, err := tx.ExpireInvitations(ctx, acc.ID, now)
			total += n
			return err
		})
		if err != nil {
			return total, err
		}
	}
	_, err = a.store.DeleteInvitationSendsBefore(ctx, now.Add(-24*time.Hour))
	return total, err
}
