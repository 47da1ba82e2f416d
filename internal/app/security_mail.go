package app

import (
	"context"

	"atrium/internal/mail"
	"atrium/internal/store"
)

// The messages of account recovery and the security notices. Each is written to the
// outbox in the transaction of the change it tells about (a.mail.Enqueue), so it exists
// exactly when the change does. Kinds, as mail_outbox.kind records them:
const (
	MailResetLink          = "password_reset_link"
	MailResetNoAccount     = "password_reset_no_account"
	MailPasswordReset      = "password_reset_notice"
	MailPasswordChanged    = "password_changed_notice"
	MailEmailConfirm       = "email_change_confirm"
	MailEmailTaken         = "email_change_address_taken"
	MailEmailChangeAsked   = "email_change_requested_notice"
	MailEmailChanged       = "email_changed_notice"
	securityFooter         = "Atrium sends this message to keep your sign-in safe; it cannot be turned off."
	notYouResetAdvice      = "If this was not you, reset your password at once with the link below: that signs out every session and cancels any email change waiting for confirmation."
	unexpectedIgnoreAdvice = "If you did not ask for this, ignore this message: nothing changes unless the link is opened."
)

// when is the time of a notice as messages show it.
func (a *App) when() string { return a.now().UTC().Format("2 January 2006 at 15:04 UTC") }

// forgotURL is where a notice sends someone who did not make the change.
func (a *App) forgotURL() string { return a.baseURL + "/login/forgot" }

func (a *App) send(ctx context.Context, tx *store.Tx, kind, to, subject string, c mail.Content) error {
	if c.Footer == "" {
		c.Footer = securityFooter
	}
	_, err := a.mail.Enqueue(ctx, tx, mail.Compose(kind, to, subject, 0, c))
	return err
}

// mailResetLink sends the link that chooses a new password.
func (a *App) mailResetLink(ctx context.Context, tx *store.Tx, to, name, link string) error {
	return a.send(ctx, tx, MailResetLink, to, "Choose a new Atrium password", mail.Content{
		Heading: "Choose a new password",
		Paragraphs: []string{"Hello " + name + ", someone (we hope you) asked for a link to choose a new password for the Atrium " +
			"sign-in " + to + ".",
			"The link works once, within an hour. Asking for another link makes this one stop working. Choosing a new password " +
				"signs you out everywhere; you then sign in with it as usual.",
			unexpectedIgnoreAdvice},
		ActionLabel: "Choose a new password", ActionURL: link,
	})
}

// mailResetNoAccount answers a reset asked for an email no active user signs in with:
// the person who owns the address learns why no link came, and the one who asked
// learns nothing they could not see by asking for their own address.
func (a *App) mailResetNoAccount(ctx context.Context, tx *store.Tx, to string) error {
	return a.send(ctx, tx, MailResetNoAccount, to, "About your Atrium password reset", mail.Content{
		Heading: "No Atrium sign-in uses this address",
		Paragraphs: []string{"Someone asked for a link to choose a new Atrium password for " + to + ", but no one signs in to " +
			"Atrium with this address, so there is no password to reset.",
			"If you expected an account, you may sign in with another address, or the person who gave you access can invite you.",
			"If you did not ask for this, you can ignore this message."},
	})
}

// mailPasswordReset tells a user their password was reset through a link.
func (a *App) mailPasswordReset(ctx context.Context, tx *store.Tx, to, name, ip string) error {
	return a.send(ctx, tx, MailPasswordReset, to, "Your Atrium password was reset", mail.Content{
		Heading: "Your password was reset",
		Paragraphs: []string{"Hello " + name + ", the password of your Atrium sign-in " + to + " was just reset through a link " +
			"sent to this address. Every session was signed out.", notYouResetAdvice},
		Facts:       []mail.Fact{{Label: "When", Value: a.when()}, {Label: "From address", Value: ip}},
		ActionLabel: "Reset my password", ActionURL: a.forgotURL(),
	})
}

// mailPasswordChanged tells a user their password was changed on their profile.
func (a *App) mailPasswordChanged(ctx context.Context, tx *store.Tx, to, ip string) error {
	return a.send(ctx, tx, MailPasswordChanged, to, "Your Atrium password was changed", mail.Content{
		Heading: "Your password was changed",
		Paragraphs: []string{"The password of your Atrium sign-in " + to + " was just changed on your profile. Your other " +
			"sessions were signed out.", notYouResetAdvice},
		Facts:       []mail.Fact{{Label: "When", Value: a.when()}, {Label: "From address", Value: ip}},
		ActionLabel: "Reset my password", ActionURL: a.forgotURL(),
	})
}

// mailEmailConfirm sends the new address the link that confirms an email change.
func (a *App) mailEmailConfirm(ctx context.Context, tx *store.Tx, to, name, link string) error {
	return a.send(ctx, tx, MailEmailConfirm, to, "Confirm your new Atrium email", mail.Content{
		Heading: "Confirm your new email address",
		Paragraphs: []string{"Hello " + name + ", you asked to sign in to Atrium with " + to + " from now on. Open the link " +
			"to confirm that this address is yours; until then your email stays as it was.",
			"The link works once, within 24 hours. Asking for another change makes this link stop working.",
			unexpectedIgnoreAdvice},
		ActionLabel: "Confirm my new email", ActionURL: link,
	})
}

// mailEmailTaken tells the owner of an address someone asked to move their sign-in to
// that it already signs in to Atrium, in place of a confirmation link.
func (a *App) mailEmailTaken(ctx context.Context, tx *store.Tx, to string) error {
	return a.send(ctx, tx, MailEmailTaken, to, "About your new Atrium email", mail.Content{
		Heading: "You already have an Atrium sign-in",
		Paragraphs: []string{"Someone signed in to Atrium asked to use " + to + " as their sign-in email. This address " +
			"already signs in to Atrium on its own, and one address belongs to one sign-in only, so nothing changed.",
			"If that was you with another sign-in, keep using " + to + " as it is, or change the other sign-in to an address " +
				"of its own.",
			"If it was not you, you need do nothing: no one gains access to your sign-in through this."},
	})
}

// mailEmailChangeAsked tells the old address that a change away from it waits for
// confirmation.
func (a *App) mailEmailChangeAsked(ctx context.Context, tx *store.Tx, to, name, newEmail, ip string) error {
	return a.send(ctx, tx, MailEmailChangeAsked, to, "Your Atrium email is about to change", mail.Content{
		Heading: "Someone asked to change your sign-in email",
		Paragraphs: []string{"Hello " + name + ", someone signed in to Atrium as " + to + " asked to sign in with " + newEmail +
			" from now on. Nothing changes until a link we sent to " + newEmail + " is opened (within 24 hours).",
			notYouResetAdvice},
		Facts:       []mail.Fact{{Label: "New email", Value: newEmail}, {Label: "When", Value: a.when()}, {Label: "From address", Value: ip}},
		ActionLabel: "Reset my password", ActionURL: a.forgotURL(),
	})
}

// mailEmailChanged tells the old address that the sign-in moved to a new one.
func (a *App) mailEmailChanged(ctx context.Context, tx *store.Tx, to, name, newEmail, ip string) error {
	return a.send(ctx, tx, MailEmailChanged, to, "Your Atrium email was changed", mail.Content{
		Heading: "Your sign-in email was changed",
		Paragraphs: []string{"Hello " + name + ", the Atrium sign-in that used " + to + " now signs in with " + newEmail +
			". This address will get no more messages about it. Every other session was signed out.",
			"If this was not you, contact Atrium support at once: this address can no longer reset the password."},
		Facts: []mail.Fact{{Label: "New email", Value: newEmail}, {Label: "When", Value: a.when()}, {Label: "From address", Value: ip}},
	})
}

// passwordChanged is what a password change on the profile does besides the change:
// an email change waiting for confirmation ends (it may have been asked for from a
// session that was not the user's) and the user is told by email.
func (a *App) passwordChanged(ctx context.Context, tx *store.Tx, actor Actor) error {
	if err := tx.EndEmailChanges(ctx, actor.UserID); err != nil {
		return err
	}
	return a.mailPasswordChanged(ctx, tx, actor.Email, actor.IP)
}
