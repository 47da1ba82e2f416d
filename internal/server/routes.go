package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"atrium/internal/domain"
	"atrium/web/static"
)

// routes is every route of Atrium with its guard, grouped by middleware stack. Inside an
// account each route names the permission it needs; require() enforces it and the
// route test derives expectations from it.
func (s *Server) routes() http.Handler {
	t := &routeTable{guards: map[string]Guard{}}
	s.guards = t
	pub, user, owner, staff := Guard{Kind: KindPublic}, Guard{Kind: KindUser}, Guard{Kind: KindOrgOwner}, Guard{Kind: KindStaff}
	r := chi.NewRouter()
	r.Use(s.logRequests, securityHeaders, crossOriginProtection().Handler, s.sessions.LoadAndSave, s.refuseBadPaths, s.parseForms)

	// Public.
	t.handle(r, "", "GET", "/healthz", pub, s.healthz)
	t.handle(r, "", "GET", "/readyz", pub, s.readyz)
	r.Handle("/static/*", http.StripPrefix("/static/", staticFiles(static.FS)))
	t.handle(r, "", "GET", "/favicon.ico", pub, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/static/favicon.svg", http.StatusMovedPermanently)
	})
	t.handle(r, "", "GET", "/login", pub, s.loginShow)
	t.handle(r, "", "POST", "/login", pub, s.loginEmailStep)
	t.handle(r, "", "GET", "/login/password", pub, s.loginPasswordShow)
	t.handle(r, "", "POST", "/login/password", pub, s.loginPassword)
	t.handle(r, "", "POST", "/logout", pub, s.logout)
	t.handle(r, "", "GET", "/login/two-factor", pub, s.loginCodeShow)
	t.handle(r, "", "POST", "/login/two-factor", pub, s.loginCode)
	t.handle(r, "", "POST", "/login/two-factor/recovery", pub, s.loginRecovery)
	t.handle(r, "", "GET", "/login/two-factor/setup", pub, s.loginSetupShow)
	t.handle(r, "", "POST", "/login/two-factor/setup", pub, s.loginSetup)
	t.handle(r, "", "GET", "/login/sso", pub, s.loginSSO)
	t.handle(r, "", "GET", "/login/sso/link", pub, s.ssoLinkShow)
	t.handle(r, "", "POST", "/login/sso/link", pub, s.ssoLink)
	t.handle(r, "", "POST", "/login/sso/link/email", pub, s.ssoLinkEmail)
	t.handle(r, "", "GET", "/sso/link/{token}", pub, s.ssoLinkTokenShow)
	t.handle(r, "", "POST", "/sso/link/{token}", pub, s.ssoLinkToken)
	// A connection's own endpoints: the OIDC redirect back, the SAML ACS (the one POST
	// exempt from the cross-origin check: crossOriginProtection), where the browser
	// collects the ACS's answer, and the service provider's metadata.
	t.handle(r, "", "GET", "/sso/{connection}/callback", pub, s.ssoCallback)
	t.handle(r, "", "POST", samlACSPattern, pub, s.samlACS)
	t.handle(r, "", "GET", "/sso/{connection}/saml/continue", pub, s.samlContinue)
	t.handle(r, "", "GET", "/sso/{connection}/saml/metadata", pub, s.samlMetadata)
	t.handle(r, "", "GET", "/set-password/{token}", pub, s.setPasswordShow)
	t.handle(r, "", "POST", "/set-password/{token}", pub, s.setPassword)
	t.handle(r, "", "GET", "/login/forgot", pub, s.forgotShow)
	t.handle(r, "", "POST", "/login/forgot", pub, s.forgotSend)
	t.handle(r, "", "GET", "/reset-password/{token}", pub, s.resetShow)
	t.handle(r, "", "POST", "/reset-password/{token}", pub, s.resetPassword)
	t.handle(r, "", "GET", "/confirm-email/{token}", pub, s.confirmEmailShow)
	t.handle(r, "", "POST", "/confirm-email/{token}", pub, s.confirmEmail)

	// Invitation links: the token is the key; the handlers check who is signed in.
	t.handle(r, "", "GET", "/invitations/{token}", pub, s.invitationShow)
	t.handle(r, "", "POST", "/invitations/{token}/accept", pub, s.invitationAccept)
	t.handle(r, "", "POST", "/invitations/{token}/decline", pub, s.invitationDecline)
	t.handle(r, "", "POST", "/invitations/{token}/switch", pub, s.invitationSwitch)
	t.handle(r, "", "POST", "/invitations/{token}/sso", pub, s.invitationSSO)

	// The development mailbox exists only in development without SMTP: anywhere else
	// its links would be live ones meant for other people.
	if s.cfg.DevMailbox() {
		t.handle(r, "", "GET", "/dev/mail", pub, s.devMailList)
		t.handle(r, "", "GET", "/dev/mail/{id}", pub, s.devMailShow)
		t.handle(r, "", "GET", "/dev/mail/{id}/html", pub, s.devMailHTML)
	}
	// The development identity provider, likewise only in development.
	if s.devIdP != nil {
		idp := http.StripPrefix(devIdPPath, s.devIdP).ServeHTTP
		t.handle(r, "", "GET", devIdPPath+"/*", pub, idp)
		t.handle(r, "", "POST", devIdPPath+"/*", pub, idp)
	}

	// Signed in, outside any account.
	r.Group(func(r chi.Router) {
		r.Use(s.requireUser)
		t.handle(r, "", "GET", "/", user, s.landing)
		t.handle(r, "", "GET", "/accounts", user, s.accountsList)
		t.handle(r, "", "GET", "/profile", user, s.profileShow)
		t.handle(r, "", "POST", "/profile/favourite", user, s.profileFavourite)
		t.handle(r, "", "POST", "/profile/name", user, s.profileName)
		t.handle(r, "", "POST", "/profile/password", user, s.profilePassword)
		t.handle(r, "", "POST", "/profile/email", user, s.profileEmail)
		t.handle(r, "", "POST", "/profile/sessions/{session}/end", user, s.profileEndSession)
		t.handle(r, "", "POST", "/profile/sessions/end-others", user, s.profileEndOtherSessions)
		t.handle(r, "", "GET", "/profile/two-factor", user, s.twoFactorShow)
		t.handle(r, "", "POST", "/profile/two-factor/confirm-password", user, s.twoFactorConfirmPassword)
		t.handle(r, "", "POST", "/profile/two-factor/setup", user, s.twoFactorSetup)
		t.handle(r, "", "POST", "/profile/two-factor/setup/confirm", user, s.twoFactorSetupConfirm)
		t.handle(r, "", "POST", "/profile/two-factor/recovery-codes", user, s.twoFactorRecoveryCodes)
		t.handle(r, "", "POST", "/profile/two-factor/disable", user, s.twoFactorDisable)
		t.handle(r, "", "GET", "/step-up", user, s.stepUpShow)
		t.handle(r, "", "POST", "/step-up", user, s.stepUp)
		t.handle(r, "", "POST", "/step-up/recovery", user, s.stepUpRecovery)
		t.handle(r, "", "GET", "/step-up/sso", user, s.stepUpSSO)
		t.handle(r, "", "GET", "/profile/reauth/sso", user, s.reauthSSO)
	})

	// Organisation owners (everyone else gets 404).
	r.Route("/org/{org}", func(r chi.Router) {
		r.Use(s.requireUser, s.requireOrgOwner)
		const p = "/org/{org}"
		t.handle(r, p, "GET", "/", owner, s.orgShow)
		t.handle(r, p, "POST", "/rename", owner, s.orgRename)
		t.handle(r, p, "GET", "/users", owner, s.orgUsersList)
		t.handle(r, p, "POST", "/users", owner, s.orgUsersCreate)
		t.handle(r, p, "GET", "/users/{user}", owner, s.orgUserShow)
		t.handle(r, p, "POST", "/users/{user}/access", owner, s.orgUserGrant)
		t.handle(r, p, "POST", "/users/{user}/access/remove", owner, s.orgUserRevoke)
		t.handle(r, p, "POST", "/users/{user}/owner", owner, s.orgUserAddOwner)
		t.handle(r, p, "POST", "/users/{user}/owner/remove", owner, s.orgUserRemoveOwner)
		t.handle(r, p, "POST", "/users/{user}/remove", owner, s.orgUserRemove)
		t.handle(r, p, "POST", "/users/{user}/sessions/end", owner, s.orgUserEndSessions)
		t.handle(r, p, "POST", "/users/{user}/disable", owner, s.orgUserDisable)
		t.handle(r, p, "POST", "/users/{user}/enable", owner, s.orgUserEnable)
		t.handle(r, p, "GET", "/activity", owner, s.orgActivity)
	})

	// Platform staff (everyone else gets 404).
	r.Group(func(r chi.Router) {
		r.Use(s.requireUser, s.requireStaff)
		t.handle(r, "", "GET", "/staff/", staff, s.staffShow)
		t.handle(r, "", "POST", "/staff/organisations", staff, s.staffCreateOrganisation)
		t.handle(r, "", "POST", "/staff/accounts", staff, s.staffCreateAccount)
		t.handle(r, "", "POST", "/staff/owners", staff, s.staffAppointOwner)
		t.handle(r, "", "POST", "/staff/unlock-signin", staff, s.staffUnlockSignIn)
		t.handle(r, "", "GET", "/staff/users", staff, s.staffUserShow)
		t.handle(r, "", "POST", "/staff/users/disable", staff, s.staffUserDisable)
		t.handle(r, "", "POST", "/staff/users/enable", staff, s.staffUserEnable)
		t.handle(r, "", "POST", "/staff/users/sessions/end", staff, s.staffUserEndSessions)
		t.handle(r, "", "POST", "/staff/users/reset-2fa", staff, s.staffUserResetTwoFactor)
		t.handle(r, "", "POST", "/staff/accounts/{account}/plan", staff, s.staffSetPlan)
		t.handle(r, "", "POST", "/staff/accounts/{account}/reopen", staff, s.staffReopen)
		t.handle(r, "", "POST", "/staff/mail/{id}/retry", staff, s.staffRetryMail)
	})

	// Inside an account: /a/{account}/…, membership checked on every request.
	r.Route("/a/{account}", func(r chi.Router) {
		r.Use(s.requireAccount)
		const p = "/a/{account}"
		acct := func(method, pattern string, perm domain.Permission, h http.HandlerFunc) {
			t.handle(r.With(s.require(perm)), p, method, pattern, Guard{Kind: KindAccount, Permission: perm}, h)
		}
		acct("GET", "/", domain.PermAccountView, s.accountHome)

		acct("GET", "/members", domain.PermMembersView, s.membersList)
		acct("POST", "/members/{user}/role", domain.PermMembersManage, s.membersChangeRole)
		acct("POST", "/members/{user}/deactivate", domain.PermMembersManage, s.membersDeactivate)
		acct("POST", "/members/{user}/reactivate", domain.PermMembersManage, s.membersReactivate)
		acct("POST", "/members/{user}/remove", domain.PermMembersManage, s.membersRemove)
		acct("POST", "/members/{user}/transfer", domain.PermOwnershipTransfer, s.membersTransfer)
		acct("POST", "/members/{user}/scope", domain.PermMembersManage, s.membersScope)
		acct("GET", "/invitations/new", domain.PermMembersInvite, s.invitationsNew)
		acct("POST", "/invitations/preview", domain.PermMembersInvite, s.invitationsPreview)
		acct("POST", "/invitations", domain.PermMembersInvite, s.invitationsSend)
		acct("POST", "/invitations/{invitation}/resend", domain.PermMembersInvite, s.invitationResend)
		acct("POST", "/invitations/{invitation}/revoke", domain.PermMembersInvite, s.invitationRevoke)
		acct("POST", "/access-requests", domain.PermAccountView, s.accessRequestCreate)
		acct("POST", "/access-requests/{request}/approve", domain.PermMembersManage, s.accessRequestApprove)
		acct("POST", "/access-requests/{request}/deny", domain.PermMembersManage, s.accessRequestDeny)
		acct("GET", "/settings", domain.PermAccountView, s.settingsShow)
		acct("POST", "/leave", domain.PermAccountView, s.accountLeave)
		acct("GET", "/settings/security", domain.PermAccountSecurity, s.securityShow)
		acct("POST", "/settings/security", domain.PermAccountSecurity, s.securityUpdate)
		acct("GET", "/settings/security/connections/new", domain.PermAccountSecurity, s.connectionNew)
		acct("POST", "/settings/security/connections", domain.PermAccountSecurity, s.connectionCreate)
		acct("GET", "/settings/security/connections/{connection}", domain.PermAccountSecurity, s.connectionShow)
		acct("POST", "/settings/security/connections/{connection}", domain.PermAccountSecurity, s.connectionUpdate)
		acct("POST", "/settings/security/connections/{connection}/test", domain.PermAccountSecurity, s.connectionTest)
		acct("POST", "/close", domain.PermAccountClose, s.accountClose)

		acct("GET", "/roles", domain.PermMembersView, s.rolesList)
		acct("POST", "/roles", domain.PermRolesManage, s.rolesCreate)
		acct("GET", "/roles/{role}", domain.PermRolesManage, s.roleEdit)
		acct("POST", "/roles/{role}", domain.PermRolesManage, s.roleUpdate)
		acct("POST", "/roles/{role}/delete", domain.PermRolesManage, s.roleDelete)

		acct("GET", "/campaigns", domain.PermCampaignsView, s.campaignsList)
		acct("POST", "/campaigns", domain.PermCampaignsEdit, s.campaignsCreate)
		acct("GET", "/campaigns/{campaign}", domain.PermCampaignsView, s.campaignShow)
		acct("POST", "/campaigns/{campaign}", domain.PermCampaignsEdit, s.campaignUpdate)
		acct("POST", "/campaigns/{campaign}/publish", domain.PermCampaignsPublish, s.campaignPublish)

		acct("GET", "/lists", domain.PermListsView, s.listsList)
		acct("POST", "/lists", domain.PermListsEdit, s.listsCreate)
		acct("GET", "/lists/{list}", domain.PermListsView, s.listShow)
		acct("POST", "/lists/{list}", domain.PermListsEdit, s.listUpdate)
		acct("POST", "/lists/{list}/contacts", domain.PermListsEdit, s.listAddContact)

		acct("GET", "/activity", domain.PermAuditView, s.accountActivity)
	})

	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, domain.Errorf(domain.ENOTFOUND, "Page not found."))
	})
	return r
}

// samlACSPattern is the SAML assertion consumer service.
const samlACSPattern = "/sso/{connection}/saml/acs"

// crossOriginProtection refuses cross-origin state-changing requests, except the
// SAML ACS: identity providers post their answer there from their own origin. The
// ACS checks the answer itself (signature, audience, validity window, that it
// answers a request of ours, the replay cache) and changes no session.
func crossOriginProtection() *http.CrossOriginProtection {
	c := http.NewCrossOriginProtection()
	c.AddInsecureBypassPattern("POST " + samlACSPattern)
	return c
}
