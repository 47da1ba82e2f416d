package mail

import (
	"time"

	"atrium/internal/domain"
)

// Kinds of the messages about invitations and access (mail_outbox.kind).
const (
	KindInvitation         = "invitation"
	KindInvitationResend   = "invitation_resend"
	KindInvitationAccepted = "invitation_accepted"
	KindInvitationDeclined = "invitation_declined"
	KindAccessGranted      = "access_granted"
)

// When formats a moment for a message: unambiguous to any reader, in UTC.
func When(t time.Time) string { return t.UTC().Format("Monday 2 January 2006, 15:04 UTC") }

// InvitationFacts is what an invitation says.
type InvitationFacts struct {
	To        string
	FirstName string
	// InviterName and InviterEmail name who invited (and whom to ask).
	InviterName      string
	InviterEmail     string
	AccountID        int64
	AccountName      string
	OrganisationName string
	RoleName         string
	// Message is the inviter's own words, shown quoted ("" for none).
	Message   string
	Link      string
	ExpiresAt time.Time
	// Resend marks a copy sent again: the link of any earlier copy no longer works.
	Resend bool
	// ResentBy names who sent it again when that is not the inviter ("" otherwise).
	ResentBy string
}

// Invitation is the email that invites someone to an account: who invites, to which
// account of which organisation, with which role, until when, and the one link that
// accepts or declines. The same builder makes the preview and the real message.
func Invitation(f InvitationFacts) domain.OutboundMail {
	kind := KindInvitation
	subject := f.InviterName + " invited you to " + f.AccountName + " on Atrium"
	paras := []string{
		"Hello " + f.FirstName + ",",
		f.InviterName + " (" + f.InviterEmail + ") invited you to join " + f.AccountName + ", an account of " +
			f.OrganisationName + " on Atrium, as " + f.RoleName + ".",
	}
	if f.Resend {
		kind, subject = KindInvitationResend, "Reminder: "+subject
		again := "This is a new copy of your invitation"
		if f.ResentBy != "" {
			again += ", sent again by " + f.ResentBy
		}
		paras = append(paras, again+". The link in any earlier copy no longer works.")
	}
	paras = append(paras, "Follow the link to accept or decline. New to Atrium? You will choose your name and a password. "+
		"Already use Atrium? Sign in with your usual email and password.")
	return Compose(kind, f.To, subject, f.AccountID, Content{
		Heading:     f.InviterName + " invited you to " + f.AccountName,
		Paragraphs:  paras,
		Quote:       f.Message,
		QuoteBy:     f.InviterName,
		ActionLabel: "Accept or decline the invitation",
		ActionURL:   f.Link,
		Facts: []Fact{{"Account", f.AccountName}, {"Organisation", f.OrganisationName}, {"Role", f.RoleName},
			{"Invited by", f.InviterName + " (" + f.InviterEmail + ")"}, {"Link expires", When(f.ExpiresAt)}},
		Footer: "You received this because " + f.InviterEmail + " invited " + f.To + " to " + f.AccountName + ". " +
			"If you did not expect it, ignore this email: nothing happens unless you accept. The link is yours alone; " +
			"do not forward it. If it has expired, ask " + f.InviterName + " to send it again.",
	})
}

// AnswerFacts is what the inviter is told when an invitation is answered.
type AnswerFacts struct {
	To           string // the inviter
	InviterName  string
	InviteeName  string
	InviteeEmail string
	AccountID    int64
	AccountName  string
	RoleName     string
	Accepted     bool
	// MembersLink opens the account's members list.
	MembersLink string
}

// InvitationAnswer tells the inviter that their invitation was accepted or declined.
func InvitationAnswer(f AnswerFacts) domain.OutboundMail {
	kind, verb := KindInvitationDeclined, "declined"
	body := f.InviteeName + " (" + f.InviteeEmail + ") declined your invitation to " + f.AccountName +
		". Nothing changed in the account, and the invitation's seat is free again."
	if f.Accepted {
		kind, verb = KindInvitationAccepted, "accepted"
		body = f.InviteeName + " (" + f.InviteeEmail + ") accepted your invitation and is now a member of " + f.AccountName +
			" as " + f.RoleName + "."
	}
	return Compose(kind, f.To, f.InviteeEmail+" "+verb+" your invitation to "+f.AccountName, f.AccountID, Content{
		Heading:     f.InviteeName + " " + verb + " your invitation",
		Paragraphs:  []string{"Hello " + f.InviterName + ",", body},
		ActionLabel: "Open the members of " + f.AccountName,
		ActionURL:   f.MembersLink,
		Facts:       []Fact{{"Account", f.AccountName}, {"Role offered", f.RoleName}},
		Footer:      "You received this because you invited " + f.InviteeEmail + " to " + f.AccountName + ".",
	})
}

// GrantFacts is what a user is told when an administrator gives them access directly.
type GrantFacts struct {
	To               string
	Name             string
	GrantedByName    string
	GrantedByEmail   string
	AccountID        int64
	AccountName      string
	OrganisationName string
	RoleName         string
	// Link opens the account.
	Link string
}

// AccessGranted tells an existing user that they can now enter an account.
func AccessGranted(f GrantFacts) domain.OutboundMail {
	return Compose(KindAccessGranted, f.To, "You were given access to "+f.AccountName, f.AccountID, Content{
		Heading: "You were given access to " + f.AccountName,
		Paragraphs: []string{"Hello " + f.Name + ",",
			f.GrantedByName + " (" + f.GrantedByEmail + ") gave you access to " + f.AccountName + ", an account of " +
				f.OrganisationName + ", as " + f.RoleName + ". It is in the account switcher at the top left when you sign in."},
		ActionLabel: "Open " + f.AccountName,
		ActionURL:   f.Link,
		Facts:       []Fact{{"Account", f.AccountName}, {"Organisation", f.OrganisationName}, {"Role", f.RoleName}},
		Footer: "You received this because " + f.GrantedByEmail + " gave " + f.To + " access to " + f.AccountName +
			". If you did not expect it, tell them, or leave the account from your profile.",
	})
}
