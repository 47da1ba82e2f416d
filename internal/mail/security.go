package mail

import (
	"time"

	"atrium/internal/domain"
)

// Security notices tell a user that something about how they sign in has changed, so
// that a change they did not make does not go unnoticed. Each names when and from
// where, and what to do if it was not them.

// Kinds of security notices.
const (
	KindTwoFactorEnrolled = "security_2fa_enrolled"
	KindTwoFactorDisabled = "security_2fa_disabled"
	KindTwoFactorReset    = "security_2fa_reset"
)

// SecurityEvent describes a change to a user's sign-in: who it concerns, when, from
// which address (or by whom, for staff), and where they can review their settings.
type SecurityEvent struct {
	To, Name   string
	At         time.Time
	IP         string
	By         string // who made the change when it was not the user (staff)
	ProfileURL string
}

const securityFooter = "You receive this message because it concerns how you sign in to Atrium. " +
	"If you did not make this change, reply to this message or contact Atrium support at once."

func (e SecurityEvent) facts() []Fact {
	f := []Fact{{"When", e.At.UTC().Format("2 January 2006, 15:04 UTC")}}
	if e.By != "" {
		f = append(f, Fact{"By", e.By})
	}
	if e.IP != "" && e.IP != "cli" {
		f = append(f, Fact{"From address", e.IP})
	}
	return f
}

// TwoFactorEnrolled tells a user that two-factor authentication was set up for their
// sign-in.
func TwoFactorEnrolled(e SecurityEvent) domain.OutboundMail {
	return Compose(KindTwoFactorEnrolled, e.To, "Two-factor authentication is on for your Atrium sign-in", 0, Content{
		Heading: "Two-factor authentication is on",
		Paragraphs: []string{"Hello " + e.Name + ",",
			"An authenticator app was set up for your Atrium sign-in. From now on, accounts that require two-factor authentication ask for a code from it.",
			"Keep your recovery codes somewhere safe: each works once if you lose your device."},
		Facts:       e.facts(),
		ActionLabel: "Review your sign-in settings", ActionURL: e.ProfileURL,
		Footer: securityFooter,
	})
}

// TwoFactorDisabled tells a user that they turned two-factor authentication off.
func TwoFactorDisabled(e SecurityEvent) domain.OutboundMail {
	return Compose(KindTwoFactorDisabled, e.To, "Two-factor authentication is off for your Atrium sign-in", 0, Content{
		Heading: "Two-factor authentication is off",
		Paragraphs: []string{"Hello " + e.Name + ",",
			"Two-factor authentication was turned off for your Atrium sign-in. Your authenticator app and recovery codes no longer work."},
		Facts:       e.facts(),
		ActionLabel: "Review your sign-in settings", ActionURL: e.ProfileURL,
		Footer: securityFooter,
	})
}

// TwoFactorReset tells a user that Atrium staff reset their two-factor authentication
// (a lost device).
func TwoFactorReset(e SecurityEvent) domain.OutboundMail {
	return Compose(KindTwoFactorReset, e.To, "Atrium support reset your two-factor authentication", 0, Content{
		Heading: "Your two-factor authentication was reset",
		Paragraphs: []string{"Hello " + e.Name + ",",
			"Atrium support removed the authenticator app and recovery codes from your sign-in, as asked when a device is lost. " +
				"If an account of yours requires two-factor authentication, you will set up a new authenticator the next time you sign in."},
		Facts:       e.facts(),
		ActionLabel: "Review your sign-in settings", ActionURL: e.ProfileURL,
		Footer: securityFooter,
	})
}
