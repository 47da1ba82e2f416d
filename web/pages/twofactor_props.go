package pages

import (
	"time"

	"atrium/internal/domain"
	"atrium/web"
)

// CodeStepProps is the page asking for a second-factor code: at sign-in (Shell nil)
// or on switching into an account (step-up).
type CodeStepProps struct {
	Shell *web.Shell // nil at sign-in
	// Reason says why the code is asked ("Globex Marketing requires two-factor
	// authentication.").
	Reason string
	Email  string
	// Action and RecoveryAction are where the code and a recovery code are posted;
	// Hidden are fields posted with both (account, next).
	Action         string
	RecoveryAction string
	Hidden         map[string]string
	CodeError      string
	RecoveryError  string
	// RecoveryOpen shows the recovery-code form open (after a refused one).
	RecoveryOpen bool
}

// SetupProps is the page setting up an authenticator app: at sign-in (Shell nil) or
// from the profile.
type SetupProps struct {
	Shell  *web.Shell
	Reason string
	Email  string
	// QRCode is a data: URL of the PNG; Key the same secret grouped for typing.
	QRCode string
	Key    string
	Action string
	Hidden map[string]string
	Error  string
}

// RecoveryCodesProps shows new recovery codes once.
type RecoveryCodesProps struct {
	Shell *web.Shell // nil at sign-in
	Codes []string
	// Heading and Intro say why the codes are shown (just set up, or replaced).
	Heading  string
	Intro    string
	NextHref string
	NextText string
}

// StepUpProps is the page saying what entering an account asks when it is not a code
// (set up two-factor authentication first, or single sign-on).
type StepUpProps struct {
	Shell    web.Shell
	Title    string
	Reason   string
	Body     string
	LinkHref string
	LinkText string
}

// TwoFactorProps is the user's two-factor page on their profile.
type TwoFactorProps struct {
	Shell        web.Shell
	Enrolled     bool
	EnrolledAt   *time.Time
	RecoveryLeft int
	// RequiredBy names the accounts that require two-factor authentication ("" for
	// none): while any does, it cannot be turned off.
	RequiredBy string
	// Recent is true when the user proved who they are within 15 minutes: the changes
	// show; otherwise the password is asked first.
	Recent        bool
	Next          string
	PasswordError string
	// SSOReauth offers confirming through the identity provider instead (the session
	// signed in through single sign-on).
	SSOReauth bool
}

// SecurityProps is an account's security settings page.
type SecurityProps struct {
	Shell   web.Shell
	Account domain.Account
	// The form's values (as submitted when re-shown) and errors by field.
	LoginMethod     string
	SSOConnectionID int64
	MFARequired     bool
	EnforceOnEntry  bool
	Errors          map[string]string
	// Connections are the organisation's SSO connections to choose from.
	Connections []domain.SSOConnection
}
