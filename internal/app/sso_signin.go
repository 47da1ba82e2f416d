package app

import (
	"context"
	"errors"
	"time"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/mail"
	"atrium/internal/sso"
	"atrium/internal/store"
)

// Signing in through a connection. Identities are keyed by (connection, subject),
// never by email. A connection signs in only members of the accounts that use it, or
// people invited to one. The first time someone signs in through a connection, the
// identity is linked to their Atrium user only when the provider asserts their email,
// verified, and they confirm once with their password or an emailed link: one
// organisation's provider can never silently take over a user who also belongs to
// other organisations.

// Refusals of an SSO sign-in.
var (
	ErrSSONotMember = domain.Errorf(domain.EFORBIDDEN, "This identity provider signs in only members of the accounts that use it, "+
		"and people invited to them. Ask an administrator of the account to invite you.")
	ErrSSOOtherUser = domain.Errorf(domain.EFORBIDDEN, "The identity provider signed you in as someone who is linked to another Atrium user. "+
		"Sign out of the identity provider, then sign in again as yourself.")
	ErrLinkTokenBad = domain.Errorf(domain.ENOTFOUND, "This link is not valid. Check that you copied the whole link from the email.")
)

// errSSOEmail refuses an identity whose verified email is not the user's.
func errSSOEmail(asserted, want string) error {
	if asserted == "" {
		return domain.Errorf(domain.EFORBIDDEN, "The identity provider did not tell Atrium your email address, so this sign-in cannot be linked to %s. "+
			"Ask your administrator to have the provider send a verified email.", want)
	}
	return domain.Errorf(domain.EFORBIDDEN, "The identity provider signed you in as %s, not as %s. Nothing was linked. "+
		"Sign out of the identity provider and sign in there as %s.", asserted, want, want)
}

// SSOOutcome is what an identity means for the user it should sign in.
type SSOOutcome struct {
	// Linked: the identity is the user's; the provider's proof counts.
	Linked bool
	// Link: the identity may be linked to the user once they confirm (ConfirmSSOLink,
	// EmailSSOLink).
	Link     bool
	Identity domain.SSOIdentity
	// ConnectionName names the connection for the pages.
	ConnectionName string
}

// ResolveSSO decides what the identity the provider asserted (claims, at connection
// id) means for user u (who is signing in, stepping up or re-authenticating): linked to
// them, linkable after confirmation, or refused — linked to someone else
// (ErrSSOOtherUser), u not a member of an account that uses the connection nor invited
// to one (ErrSSONotMember), or an email that is not u's, or not verified (errSSOEmail).
func (a *App) ResolveSSO(ctx context.Context, u domain.User, id int64, claims sso.Claims) (SSOOutcome, error) {
	name, linked, err := a.store.SSOIdentityFor(ctx, id, claims.Subject, u.ID)
	if err != nil {
		return SSOOutcome{}, err
	}
	out := SSOOutcome{ConnectionName: name, Identity: domain.SSOIdentity{ConnectionID: id, Subject: claims.Subject, UserID: u.ID,
		Email: NormaliseEmail(claims.Email)}}
	switch {
	case linked == u.ID && u.ID != 0:
		out.Linked = true
		return out, nil
	case linked != 0:
		return out, ErrSSOOtherUser
	}
	ok, err := a.store.SSOSignInAllowed(ctx, id, u.ID, NormaliseEmail(u.Email))
	if err != nil {
		return out, err
	}
	if !ok {
		return out, ErrSSONotMember
	}
	if !claims.EmailVerified || !SameEmail(claims.Email, u.Email) {
		return out, errSSOEmail(NormaliseEmail(claims.Email), u.Email)
	}
	out.Link = true
	return out, nil
}

// ConfirmSSOLink links the identity to its user, who confirms with their current
// password (a password attempt, throttled like sign-in: a wrong one is EINVALID on
// field "password"). The user is emailed a notice. Audited.
func (a *App) ConfirmSSOLink(ctx context.Context, ident domain.SSOIdentity, password, ip string) error {
	u, err := a.User(ctx, ident.UserID)
	if err != nil {
		return err
	}
	if password == "" {
		return domain.FieldError("password", "Enter your Atrium password.")
	}
	actor := Actor{UserID: u.ID, Email: u.Email, IP: ip}
	verified, err := a.reauthenticate(ctx, actor, Reauth{Password: password}, "password")
	if err != nil {
		return err
	}
	return a.tx(ctx, func(tx *store.Tx) error {
		if err := settleReauth(ctx, tx, actor, verified); err != nil {
			return err
		}
		return a.link(ctx, tx, actor, u, ident, "password")
	})
}

// link links the identity and tells the user.
func (a *App) link(ctx context.Context, tx *store.Tx, actor Actor, u domain.User, ident domain.SSOIdentity, how string) error {
	c, err := tx.SSOConnectionByID(ctx, ident.ConnectionID)
	if err != nil {
		return err
	}
	if err := tx.LinkSSOIdentity(ctx, ident); err != nil {
		if domain.ErrorCode(err) == domain.ECONFLICT {
			existing, ierr := tx.SSOIdentity(ctx, ident.ConnectionID, ident.Subject)
			if ierr == nil && existing.UserID == u.ID {
				return nil // linked already (a double submit)
			}
			return ErrSSOOtherUser
		}
		return err
	}
	if err := audit(ctx, tx, actor, "Sign in > Single sign-on > Link identity > "+c.Name+" (confirmed by "+how+")", u.Email, 0,
		c.OrganisationID); err != nil {
		return err
	}
	return a.send(ctx, tx, MailSSOLinked, u.Email, "A single sign-on identity was linked to your Atrium user", mail.Content{
		Heading: "Single sign-on identity linked",
		Paragraphs: []string{"Hello " + u.FullName + ",",
			"Your sign-in at " + c.Name + " (" + orNone(ident.Email) + ") was linked to your Atrium user on " + a.when() + ". " +
				"From now on, signing in there signs you in to Atrium where your accounts use it.",
			"If this was not you, reset your password at once and tell your organisation's administrator."},
		ActionLabel: "Reset your password", ActionURL: a.forgotURL(),
	})
}

// MailSSOLinked and MailSSOLinkConfirm are the mail kinds of linking.
const (
	MailSSOLinked      = "sso_identity_linked_notice"
	MailSSOLinkConfirm = "sso_identity_link_confirm"
)

// linkTTL is how long an emailed link confirmation works.
const linkTTL = 30 * time.Minute

// EmailSSOLink emails the identity's user a link that confirms linking it (for users
// without a password, or who prefer it). A newer link ends the older one.
func (a *App) EmailSSOLink(ctx context.Context, ident domain.SSOIdentity) error {
	u, err := a.User(ctx, ident.UserID)
	if err != nil {
		return err
	}
	c, err := a.store.SSOConnectionByID(ctx, ident.ConnectionID)
	if err != nil {
		return err
	}
	token, hash := auth.NewToken()
	return a.tx(ctx, func(tx *store.Tx) error {
		if err := tx.IssueSSOLinkToken(ctx, hash, ident, a.now().Add(linkTTL)); err != nil {
			return err
		}
		return a.send(ctx, tx, MailSSOLinkConfirm, u.Email, "Confirm linking your "+c.Name+" sign-in to Atrium", mail.Content{
			Heading: "Link your " + c.Name + " sign-in",
			Paragraphs: []string{"Hello " + u.FullName + ",",
				"Someone signed in at " + c.Name + " as " + orNone(ident.Email) + " and asked to link that sign-in to your Atrium user. " +
					"Open the link below to confirm; it works once, for 30 minutes.",
				unexpectedIgnoreAdvice},
			ActionLabel: "Confirm the link", ActionURL: a.baseURL + "/sso/link/" + token,
		})
	})
}

// SSOLinkView is what an emailed link confirmation shows.
type SSOLinkView struct {
	ConnectionName string
	Email          string
	UserEmail      string
}

// SSOLinkByToken returns what the emailed link with token would link, without
// using it: ErrLinkTokenBad for an unknown one, EINVALID for a used or expired one.
func (a *App) SSOLinkByToken(ctx context.Context, token string) (SSOLinkView, error) {
	if !auth.TokenWellFormed(token) {
		return SSOLinkView{}, ErrLinkTokenBad
	}
	t, err := a.store.SSOLinkTokenByHash(ctx, auth.HashToken(token), false)
	if err != nil {
		if store.IsNotFound(err) {
			return SSOLinkView{}, ErrLinkTokenBad
		}
		return SSOLinkView{}, err
	}
	if err := a.linkTokenUsable(t); err != nil {
		return SSOLinkView{}, err
	}
	c, err := a.store.SSOConnectionByID(ctx, t.Identity.ConnectionID)
	if err != nil {
		return SSOLinkView{}, err
	}
	u, err := a.store.UserByID(ctx, t.Identity.UserID)
	if err != nil {
		return SSOLinkView{}, err
	}
	return SSOLinkView{ConnectionName: c.Name, Email: t.Identity.Email, UserEmail: u.Email}, nil
}

func (a *App) linkTokenUsable(t store.SSOLinkToken) error {
	switch {
	case t.UsedAt != nil:
		return store.ErrTokenUsed
	case !a.now().Before(t.ExpiresAt):
		return store.ErrTokenExpired
	}
	return nil
}

// ConfirmSSOLinkByToken uses an emailed link: it links the identity (once) and emails
// the notice. It signs nobody in. Errors as SSOLinkByToken. Audited.
func (a *App) ConfirmSSOLinkByToken(ctx context.Context, token, ip string) (domain.SSOIdentity, error) {
	if !auth.TokenWellFormed(token) {
		return domain.SSOIdentity{}, ErrLinkTokenBad
	}
	var ident domain.SSOIdentity
	err := a.tx(ctx, func(tx *store.Tx) error {
		t, err := tx.SSOLinkTokenByHash(ctx, auth.HashToken(token), true)
		if err != nil {
			if store.IsNotFound(err) {
				return ErrLinkTokenBad
			}
			return err
		}
		if err := a.linkTokenUsable(t); err != nil {
			return err
		}
		ident = t.Identity
		u, err := tx.UserByID(ctx, ident.UserID)
		if err != nil {
			return err
		}
		if err := tx.UseSSOLinkToken(ctx, auth.HashToken(token)); err != nil {
			return err
		}
		return a.link(ctx, tx, Actor{UserID: u.ID, Email: u.Email, IP: ip}, u, ident, "emailed link")
	})
	return ident, err
}

// SSOLinkedUser reports whether the user has an identity at the connection.
func (a *App) SSOLinkedUser(ctx context.Context, userID, connectionID int64) (bool, error) {
	st, err := a.SignInStateOf(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, c := range st.Subject.SSOIdentities {
		if c == connectionID {
			return true, nil
		}
	}
	return false, nil
}

// ReauthConnection returns the connection a signed-in user without a password
// re-authenticates through: the one their session signed in through, else the one
// they have an identity at; ENOTFOUND when none.
func (a *App) ReauthConnection(ctx context.Context, userID, sessionConnection int64) (int64, error) {
	st, err := a.SignInStateOf(ctx, userID)
	if err != nil {
		return 0, err
	}
	for _, c := range st.Subject.SSOIdentities {
		if c == sessionConnection {
			return c, nil
		}
	}
	if len(st.Subject.SSOIdentities) > 0 {
		return st.Subject.SSOIdentities[0], nil
	}
	return 0, domain.Errorf(domain.ENOTFOUND, "You have no single sign-on identity to confirm who you are with.")
}

// IsSSORefusal reports whether err is a refusal to show on the SSO error page (as
// opposed to a failure of ours).
func IsSSORefusal(err error) bool {
	var e *domain.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case domain.EUNAUTHORISED, domain.EFORBIDDEN, domain.ENOTFOUND, domain.EINVALID, domain.ECONFLICT:
		return true
	}
	return false
}
