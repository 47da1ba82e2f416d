package server

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/web/pages"
)

// stepUpSSO sends a session that owes an account's single sign-on on entry (or on
// joining it through an invitation) to the account's identity provider, coming back
// to the page asked for (the invitation link).
func (s *Server) stepUpSSO(w http.ResponseWriter, r *http.Request) {
	t := stepUpTarget(r)
	if t.slug == "" && t.token == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	up, err := s.stepsOf(r, t)
	if err != nil {
		s.stepRefused(w, r, t, err)
		return
	}
	if len(up.Steps) == 0 || up.Steps[0].Kind != policy.StepSSO {
		http.Redirect(w, r, stepPagePath(t), http.StatusSeeOther)
		return
	}
	f, to, err := s.app.SSOStart(r.Context(), up.Steps[0].ConnectionID, app.FlowStepUp)
	if err != nil {
		s.ssoRefused(w, r, err)
		return
	}
	f.AccountSlug, f.Next = up.Account.Slug, t.next
	s.startFlow(w, r, f, to)
}

// stepPagePath is the step-up page of t.
func stepPagePath(t stepFor) string { return "/step-up?" + stepQuery(t) }

// stepUpSSOPath starts the single sign-on round trip of t.
func stepUpSSOPath(t stepFor) string { return "/step-up/sso?" + stepQuery(t) }

func stepQuery(t stepFor) string {
	q := url.Values{}
	for k, v := range t.hidden() {
		q.Set(k, v)
	}
	return q.Encode()
}

// reauthSSO confirms who a signed-in user is by a fresh round trip through the
// identity provider they sign in with (users without a password change their
// sign-in settings after it), then goes back to next (a same-site path; the profile
// otherwise).
func (s *Server) reauthSSO(w http.ResponseWriter, r *http.Request) {
	id, err := s.app.ReauthConnection(r.Context(), currentUser(r).ID, s.sessions.GetInt64(r.Context(), sessAuthConn))
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		s.sessions.Put(r.Context(), "flash", domain.ErrorMessage(err))
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	f, to, err := s.app.SSOStart(r.Context(), id, app.FlowReauth)
	if err != nil {
		s.ssoRefused(w, r, err)
		return
	}
	f.Next = safeNext(r.URL.Query().Get("next"))
	if f.Next == "" {
		f.Next = "/profile"
	}
	s.startFlow(w, r, f, to)
}

// invitationSSO starts accepting an invitation into an account that signs in only
// through single sign-on: someone new signs in at its identity provider.
func (s *Server) invitationSSO(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	if _, signedIn := s.optionalUser(r); signedIn {
		http.Redirect(w, r, "/invitations/"+url.PathEscape(token), http.StatusSeeOther)
		return
	}
	id, err := s.app.InvitationSSO(r.Context(), token)
	if err != nil {
		s.invitationRefused(w, r, err, pages.InvitationProps{})
		return
	}
	if id == 0 {
		http.Redirect(w, r, "/invitations/"+url.PathEscape(token), http.StatusSeeOther)
		return
	}
	f, to, err := s.app.SSOStart(r.Context(), id, app.FlowInvite)
	if err != nil {
		s.ssoRefused(w, r, err)
		return
	}
	f.Token = token
	s.startFlow(w, r, f, to)
}

// ssoInvited accepts the invitation the provider's answer was for, and signs the new
// user in through the login policy.
func (s *Server) ssoInvited(w http.ResponseWriter, r *http.Request, f app.SSOFlow, id int64, claims app.SSOClaims) {
	u, inv, err := s.app.AcceptInvitationViaSSO(r.Context(), f.Token, id, claims, clientIP(r))
	if err != nil {
		if errors.Is(err, app.ErrSignInToAnswer) || errors.Is(err, app.ErrInvitationClosed) {
			http.Redirect(w, r, "/invitations/"+url.PathEscape(f.Token), http.StatusSeeOther)
			return
		}
		s.ssoRefused(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "flash", "Welcome to "+inv.AccountName+", "+u.FullName+". You are a member as "+inv.RoleName+".")
	s.finishSignIn(w, r, u, policy.Proof{Method: policy.MethodSSO, ConnectionID: id, At: s.now()}, "/a/"+inv.AccountSlug+"/")
}
