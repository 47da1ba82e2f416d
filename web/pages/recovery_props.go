package pages

import "time"

// ForgotPasswordProps is the page that asks for a link to choose a new password.
type ForgotPasswordProps struct {
	Email string
	Error string
	// Sent shows the answer, the same for every email: a link is on its way if an
	// account signs in with Email.
	Sent bool
}

// ResetPasswordProps is the page behind a password-reset link.
type ResetPasswordProps struct {
	Token string
	Email string
	Error string
}

// ConfirmEmailProps is the page behind an email-change confirmation link.
type ConfirmEmailProps struct {
	Token    string
	FullName string
	OldEmail string
	NewEmail string
}

// EmailChangeProps is the email card of the profile.
type EmailChangeProps struct {
	// Value is the new email typed, shown again after a refusal.
	Value string
	// NeedPassword is true when the session signed in too long ago to change the email
	// without the current password.
	NeedPassword bool
	// SSOReauth offers confirming who they are through their identity provider
	// instead (the session signed in through single sign-on).
	SSOReauth bool
	// Pending is the address a confirmation link was sent to, valid until PendingUntil
	// ("" when no change is waiting).
	Pending      string
	PendingUntil time.Time
}
