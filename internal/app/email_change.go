package app

import (
	"context"
	"strconv"
	"time"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/store"
)

// A user changes their sign-in email in two steps: they ask on their profile
// (re-authenticated), and the change happens only when a one-time link sent to the
// new address is opened (email_changes: EmailChangeTTL long, used once, only its hash
// stored, bound to the user, their email at the time and the new address; a newer
// request, a password change or a reset ends it). Requests are rate-limited per user.
const (
	EmailChangeTTL    = 24 * time.Hour
	EmailChangeWindow = time.Hour
	EmailChangeLimit  = 5
)

func emailChangeKey(userID int64) string { return "email-change:" + strconv.FormatInt(userID, 10) }

// errBadEmailLink answers a confirmation link that is unknown or not a token at all.
var errBadEmailLink = domain.Errorf(domain.ENOTFOUND, "This link is not valid. Ask for a new one from your profile.")

// PendingEmail is an email change waiting for confirmation, as the profile shows it.
type PendingEmail struct {
	NewEmail  string
	ExpiresAt time.Time
}

// RequestEmailChange asks to change the actor's sign-in email to newEmail. It needs
// re-authentication (reauthenticate, on field "email_current_password"): the current
// password, or a sign-in within ReauthWindow. The new address gets a confirmation
// link and the current one a notice; nothing else changes until the link is opened.
// An address that already belongs to a user gets the same answer and the same work —
// a change is recorded (ending older ones) whose link is never sent, and that address
// is told instead that it already has a sign-in — so the answer does not reveal who
// has an account. Errors: EINVALID on "new_email" for an address textin refuses or the
// actor's own; ETOOMANY beyond EmailChangeLimit requests in EmailChangeWindow (checked
// before the password, counted when a request is accepted). Audited. It returns the
// normalised new email.
func (a *App) RequestEmailChange(ctx context.Context, actor Actor, newEmail string, re Reauth) (string, error) {
	email, err := cleanEmail("new_email", newEmail)
	if err != nil {
		return "", err
	}
	if email == NormaliseEmail(actor.Email) {
		return "", domain.FieldError("new_email", "That is already your email address.")
	}
	if re.Password != "" {
		if err := checkSecret("email_current_password", re.Password); err != nil {
			return "", err
		}
	}
	hits, left, err := a.store.RateLimitHits(ctx, emailChangeKey(actor.UserID), EmailChangeWindow)
	if err != nil {
		return "", err
	}
	if hits >= EmailChangeLimit {
		return "", tooManyEmailChanges(left)
	}
	verified, err := a.reauthenticate(ctx, actor, re, "email_current_password")
	if err != nil {
		return "", err
	}
	err = a.tx(ctx, func(tx *store.Tx) error {
		hits, left, err := tx.HitRateLimit(ctx, emailChangeKey(actor.UserID), EmailChangeWindow)
		if err != nil {
			return err
		}
		if hits > EmailChangeLimit {
			return tooManyEmailChanges(left)
		}
		u, err := tx.UserByID(ctx, actor.UserID)
		if err != nil {
			return err
		}
		token, hash := auth.NewToken()
		taken, err := tx.StartEmailChange(ctx, u.ID, u.Email, email, hash, a.now().Add(EmailChangeTTL))
		if err != nil {
			return err
		}
		if taken {
			err = a.mailEmailTaken(ctx, tx, email)
		} else {
			err = a.mailEmailConfirm(ctx, tx, email, u.FullName, a.baseURL+"/confirm-email/"+token)
		}
		if err != nil {
			return err
		}
		if err := a.mailEmailChangeAsked(ctx, tx, u.Email, u.FullName, email, actor.IP); err != nil {
			return err
		}
		if err := settleReauth(ctx, tx, actor, verified); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "Profile > Change email > asked ("+u.Email+" → "+email+")", u.Email, 0, 0)
	})
	return email, err
}

func tooManyEmailChanges(left time.Duration) error {
	return tooMany("You have asked for "+itoa(EmailChangeLimit)+" email changes in the last hour, the most allowed.", left)
}

// PendingEmailChange returns the user's email change waiting for confirmation, if any.
func (a *App) PendingEmailChange(ctx context.Context, u domain.User) (PendingEmail, bool, error) {
	c, ok, err := a.store.PendingEmailChange(ctx, u.ID, a.now())
	return PendingEmail{NewEmail: c.NewEmail, ExpiresAt: c.ExpiresAt}, ok, err
}

// EmailChangeLink is what a confirmation link shows before it is used.
type EmailChangeLink struct {
	FullName string
	OldEmail string
	NewEmail string
}

// EmailChangeForToken returns what a confirmation link would change, without using
// it. A token of the wrong shape is refused before any query; used, ended, expired and
// unknown links are EINVALID or ENOTFOUND with a message to show.
func (a *App) EmailChangeForToken(ctx context.Context, token string) (EmailChangeLink, error) {
	if !auth.TokenWellFormed(token) {
		return EmailChangeLink{}, errBadEmailLink
	}
	c, err := a.store.EmailChangeByToken(ctx, auth.HashToken(token), a.now())
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return EmailChangeLink{}, errBadEmailLink
		}
		return EmailChangeLink{}, err
	}
	u, err := a.store.UserByID(ctx, c.UserID)
	if err != nil {
		return EmailChangeLink{}, err
	}
	return EmailChangeLink{FullName: u.FullName, OldEmail: c.OldEmail, NewEmail: c.NewEmail}, nil
}

// EmailChanged reports a confirmed email change.
type EmailChanged struct {
	// User is the user whose email changed, as they are now.
	User     domain.User
	OldEmail string
	// KeptSession is true when the browser that confirmed is signed in as User: its
	// session survives (renew its token at once: RenewSession) under Epoch.
	KeptSession bool
	Epoch       int
}

// BrowserSession is the session of the browser making a request: its user (0 when
// signed out), the session epoch it was signed in under, and its token.
type BrowserSession struct {
	UserID int64
	Epoch  int
	Token  string
}

// ConfirmEmailChange uses a confirmation link: the user it was made for (never anyone
// else, whoever is signed in where it is opened) signs in with the new address from
// now on. Every session of that user ends (rows deleted, epoch raised) except the
// browser's own when it is signed in as that user under their current epoch (a
// session already ended stays ended). The old address gets a final notice; audited as
// "Profile > Change email (OLD → NEW)". Refused, changing nothing: a token of the wrong
// shape or unknown (ENOTFOUND), used, ended or expired (EINVALID), made for an email the
// user no longer has (EINVALID), or a new address that meanwhile became another user's
// (ECONFLICT, the link stays usable should the address be freed).
func (a *App) ConfirmEmailChange(ctx context.Context, token, ip string, browser BrowserSession) (EmailChanged, error) {
	var out EmailChanged
	if !auth.TokenWellFormed(token) {
		return out, errBadEmailLink
	}
	err := a.tx(ctx, func(tx *store.Tx) error {
		c, err := tx.UseEmailChange(ctx, auth.HashToken(token), a.now())
		if err != nil {
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				return errBadEmailLink
			}
			return err
		}
		before, err := tx.UserByID(ctx, c.UserID)
		if err != nil {
			return err
		}
		if err := tx.SetEmail(ctx, c.UserID, c.OldEmail, c.NewEmail); err != nil {
			switch domain.ErrorCode(err) {
			case domain.ECONFLICT:
				return domain.Errorf(domain.ECONFLICT, "%s now belongs to another Atrium sign-in, so your email stays %s. "+
					"Nothing changed.", c.NewEmail, c.OldEmail)
			case domain.ENOTFOUND:
				return domain.Errorf(domain.EINVALID, "This link was made for an email you no longer sign in with. "+
					"Nothing changed.")
			}
			return err
		}
		if out.User, err = tx.UserByID(ctx, c.UserID); err != nil {
			return err
		}
		out.OldEmail = c.OldEmail
		var keep []byte
		if browser.UserID == c.UserID && browser.Epoch == before.SessionEpoch && browser.Token != "" {
			keep, out.KeptSession = auth.HashToken(browser.Token), true
		}
		if _, err := tx.EndUserSessions(ctx, c.UserID, keep); err != nil {
			return err
		}
		if out.Epoch, err = tx.BumpSessionEpoch(ctx, c.UserID); err != nil {
			return err
		}
		out.User.SessionEpoch = out.Epoch
		if err := a.mailEmailChanged(ctx, tx, c.OldEmail, out.User.FullName, c.NewEmail, ip); err != nil {
			return err
		}
		return audit(ctx, tx, Actor{UserID: c.UserID, Email: c.NewEmail, IP: ip},
			"Profile > Change email ("+c.OldEmail+" → "+c.NewEmail+")", c.NewEmail, 0, 0)
	})
	if err != nil {
		return EmailChanged{}, err
	}
	return out, nil
}
