package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/web/pages"
)

// Single sign-on round trips. A handler that needs the provider (the sign-in's SSO
// step, a step-up, a re-authentication, a connection test) starts a flow: the flow's
// secrets (state, nonce, PKCE verifier, or the SAML request id) go into this browser's
// session and the browser goes to the provider. The provider's answer comes back to
// /sso/{connection}/callback (OIDC) or, for SAML, is posted to /sso/{connection}/saml/acs
// and collected at /sso/{connection}/saml/continue; either way ssoReturned checks it
// against the session's flow and carries out the flow's purpose.

// startFlow starts a round trip and sends the browser to the provider.
func (s *Server) startFlow(w http.ResponseWriter, r *http.Request, f app.SSOFlow, to string) {
	b, err := json.Marshal(f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessFlow, string(b))
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// takeFlow removes and returns the session's flow (zero when none or unreadable).
func (s *Server) takeFlow(r *http.Request) app.SSOFlow {
	raw := s.sessions.PopString(r.Context(), sessFlow)
	var f app.SSOFlow
	if raw != "" {
		_ = json.Unmarshal([]byte(raw), &f)
	}
	return f
}

// connectionParam reads {connection}; 0 when it is not a positive id.
func connectionParam(r *http.Request) int64 {
	id, err := strconv.ParseInt(chi.URLParam(r, "connection"), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// loginSSO is the SSO step of a pending sign-in: off to the identity provider.
func (s *Server) loginSSO(w http.ResponseWriter, r *http.Request) {
	_, step, ok := s.pendingStep(w, r, policy.StepSSO)
	if !ok {
		return
	}
	f, to, err := s.app.SSOStart(r.Context(), step.ConnectionID, app.FlowSignIn)
	if err != nil {
		s.ssoRefused(w, r, err)
		return
	}
	s.startFlow(w, r, f, to)
}

// ssoCallback is the OIDC redirect back from the provider (a GET: the session
// cookie comes with it).
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) {
	id := connectionParam(r)
	if id == 0 {
		s.fail(w, r, domain.Errorf(domain.ENOTFOUND, "Page not found."))
		return
	}
	f := s.takeFlow(r)
	if f.ConnectionID == 0 {
		s.noFlow(w, r)
		return
	}
	q := r.URL.Query()
	claims, err := s.app.FinishOIDC(r.Context(), f, id, q.Get("state"), q.Get("code"), q.Get("error"))
	s.ssoReturned(w, r, f, id, claims, err)
}

// samlACS receives the SAML answer (a cross-site POST, exempt from the cross-origin
// check: the answer's signature, audience, validity, request id and the replay cache
// are its checks). It records the verified answer for the session that asked and
// sends the browser on to collect it.
func (s *Server) samlACS(w http.ResponseWriter, r *http.Request) {
	id := connectionParam(r)
	if id == 0 {
		s.fail(w, r, domain.Errorf(domain.ENOTFOUND, "Page not found."))
		return
	}
	answer := r.PostFormValue("SAMLResponse")
	if answer == "" {
		s.render(w, r, http.StatusUnprocessableEntity, pages.Message(pages.MessageProps{Title: "Single sign-on did not complete",
			Body: "The identity provider's answer is missing.", LinkHref: "/login", LinkText: "Back to sign-in"}))
		return
	}
	if err := s.app.SAMLAnswer(r.Context(), id, answer); err != nil {
		s.ssoRefused(w, r, err)
		return
	}
	http.Redirect(w, r, "/sso/"+strconv.FormatInt(id, 10)+"/saml/continue", http.StatusSeeOther)
}

// samlContinue collects the answer the ACS recorded for this browser's flow.
func (s *Server) samlContinue(w http.ResponseWriter, r *http.Request) {
	id := connectionParam(r)
	if id == 0 {
		s.fail(w, r, domain.Errorf(domain.ENOTFOUND, "Page not found."))
		return
	}
	f := s.takeFlow(r)
	if f.ConnectionID == 0 {
		s.noFlow(w, r)
		return
	}
	claims, err := s.app.SAMLResult(r.Context(), f, id)
	s.ssoReturned(w, r, f, id, claims, err)
}

// samlMetadata serves the connection's service provider metadata.
func (s *Server) samlMetadata(w http.ResponseWriter, r *http.Request) {
	b, err := s.app.SAMLMetadata(r.Context(), connectionParam(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write(b)
}

// noFlow answers a provider's return to a browser that started no round trip (or
// already finished it): back to where it can start one. It writes nothing.
func (s *Server) noFlow(w http.ResponseWriter, r *http.Request) {
	if _, signedIn := s.optionalUser(r); signedIn {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// ssoRefused shows why single sign-on did not complete, on a page of its own.
func (s *Server) ssoRefused(w http.ResponseWriter, r *http.Request, err error) {
	if !app.IsSSORefusal(err) {
		s.fail(w, r, err)
		return
	}
	status := http.StatusForbidden
	switch domain.ErrorCode(err) {
	case domain.EUNAUTHORISED:
		status = http.StatusUnauthorized
	case domain.ENOTFOUND:
		status = http.StatusNotFound
	}
	_, signedIn := s.optionalUser(r)
	link, text := "/login", "Back to sign-in"
	if signedIn {
		link, text = "/", "Back to Atrium"
	}
	s.render(w, r, status, pages.Message(pages.MessageProps{Title: "Single sign-on did not complete", Body: domain.ErrorMessage(err),
		LinkHref: link, LinkText: text}))
}

// ssoReturned carries out the purpose of a flow the provider answered (claims), or
// shows why it did not complete (err).
func (s *Server) ssoReturned(w http.ResponseWriter, r *http.Request, f app.SSOFlow, id int64, claims app.SSOClaims, err error) {
	if f.Purpose == app.FlowTest {
		s.ssoTested(w, r, f, claims, err)
		return
	}
	if err != nil {
		s.ssoRefused(w, r, err)
		return
	}
	switch f.Purpose {
	case app.FlowSignIn:
		s.ssoSignedIn(w, r, id, claims)
	case app.FlowStepUp, app.FlowReauth:
		s.ssoSteppedUp(w, r, f, id, claims)
	case app.FlowInvite:
		s.ssoInvited(w, r, f, id, claims)
	default:
		s.ssoRefused(w, r, app.ErrSSOFailed)
	}
}

// ssoSignedIn goes on with the pending sign-in the provider answered for.
func (s *Server) ssoSignedIn(w http.ResponseWriter, r *http.Request, id int64, claims app.SSOClaims) {
	p, ok := s.pendingOf(r)
	if !ok {
		s.ssoRefused(w, r, domain.Errorf(domain.EUNAUTHORISED, "Your sign-in took too long, or was started in another browser. Please start again."))
		return
	}
	out, err := s.app.ResolveSSO(r.Context(), p.State.User(), id, claims)
	if err != nil {
		s.ssoRefused(w, r, err)
		return
	}
	proof := policy.Proof{Method: policy.MethodSSO, ConnectionID: id, At: s.now()}
	if out.Link {
		s.askLink(w, r, pendingLink{Identity: out.Identity, Connection: out.ConnectionName, Purpose: app.FlowSignIn,
			HasPassword: p.State.Subject.HasPassword, Until: s.now().Add(pendingLife)})
		return
	}
	s.continueSignIn(w, r, p.State, proof, p.Next, false)
}

// ssoSteppedUp records a step-up (or a re-authentication) through the connection for
// the signed-in session, then goes on to the page asked for.
func (s *Server) ssoSteppedUp(w http.ResponseWriter, r *http.Request, f app.SSOFlow, id int64, claims app.SSOClaims) {
	u, ok := s.optionalUser(r)
	if !ok {
		s.toLogin(w, r)
		return
	}
	out, err := s.app.ResolveSSO(r.Context(), u, id, claims)
	if err != nil {
		s.ssoRefused(w, r, err)
		return
	}
	if out.Link {
		if f.Purpose == app.FlowReauth {
			s.ssoRefused(w, r, app.ErrSSOOtherUser)
			return
		}
		s.askLink(w, r, pendingLink{Identity: out.Identity, Connection: out.ConnectionName, Purpose: f.Purpose,
			AccountSlug: f.AccountSlug, Next: f.Next, HasPassword: true, Until: s.now().Add(pendingLife)})
		return
	}
	s.provedThrough(w, r, u, f.Purpose, id, f.Next)
}

// provedThrough remembers, for the signed-in session, that its user signed in
// through connection id just now (a fresh token), then sends the browser on.
func (s *Server) provedThrough(w http.ResponseWriter, r *http.Request, u domain.User, purpose string, id int64, next string) {
	ctx := r.Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.app.RenewSession(ctx, u, s.sessions.Token(ctx), sessionStart(r, s.sessions.Deadline(ctx))); err != nil {
		s.fail(w, r, err)
		return
	}
	if purpose == app.FlowReauth {
		s.sessions.Put(ctx, sessAuthAt, s.now().Unix())
		s.sessions.Put(ctx, "flash", "You confirmed who you are. You can change your sign-in settings for the next 15 minutes.")
	} else {
		s.addSteppedUp(r, id)
	}
	http.Redirect(w, r, landingOr(next), http.StatusSeeOther)
}

// steppedUp reads the connections the session stepped up through.
func (s *Server) steppedUp(r *http.Request) []int64 {
	raw := s.sessions.GetString(r.Context(), sessSteppedUp)
	if raw == "" {
		return nil
	}
	var ids []int64
	_ = json.Unmarshal([]byte(raw), &ids)
	return ids
}

func (s *Server) addSteppedUp(r *http.Request, id int64) {
	ids := s.steppedUp(r)
	for _, c := range ids {
		if c == id {
			return
		}
	}
	b, _ := json.Marshal(append(ids, id))
	s.sessions.Put(r.Context(), sessSteppedUp, string(b))
}

// ssoTested records how a connection test ended and shows it on the connection's page.
func (s *Server) ssoTested(w http.ResponseWriter, r *http.Request, f app.SSOFlow, claims app.SSOClaims, failure error) {
	u, ok := s.optionalUser(r)
	if !ok || f.AccountSlug == "" {
		s.toLogin(w, r)
		return
	}
	h, err := s.app.Access(r.Context(), u.ID, f.AccountSlug)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.app.FinishSSOTest(r.Context(), actorOf(r, u), h, f, claims, failure)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "Test failed: " + res.Detail
	if res.OK {
		msg = "Test succeeded. " + res.Detail
	}
	s.sessions.Put(r.Context(), "flash", msg)
	http.Redirect(w, r, connectionPath(f.AccountSlug, f.ConnectionID), http.StatusSeeOther)
}

func connectionPath(slug string, id int64) string {
	return "/a/" + slug + "/settings/security/connections/" + strconv.FormatInt(id, 10)
}

// pendingLink is an identity waiting for its user to confirm linking it, with what
// to do once linked.
type pendingLink struct {
	Identity    domain.SSOIdentity `json:"identity"`
	Connection  string             `json:"connection"`
	Purpose     string             `json:"purpose"`
	AccountSlug string             `json:"account,omitempty"`
	Next        string             `json:"next,omitempty"`
	HasPassword bool               `json:"has_password"`
	Until       time.Time          `json:"until"`
}

func (s *Server) askLink(w http.ResponseWriter, r *http.Request, l pendingLink) {
	b, _ := json.Marshal(l)
	s.sessions.Put(r.Context(), sessLink, string(b))
	http.Redirect(w, r, "/login/sso/link", http.StatusSeeOther)
}

func (s *Server) linkOf(r *http.Request) (pendingLink, bool) {
	var l pendingLink
	raw := s.sessions.GetString(r.Context(), sessLink)
	if raw == "" || json.Unmarshal([]byte(raw), &l) != nil || !s.now().Before(l.Until) || l.Identity.UserID == 0 {
		return l, false
	}
	// The link belongs to the sign-in under way, or to the signed-in user.
	if uid := s.userID(r); uid != 0 {
		return l, uid == l.Identity.UserID && l.Purpose != app.FlowSignIn
	}
	p, ok := s.pendingOf(r)
	return l, ok && l.Purpose == app.FlowSignIn && p.State.UserID == l.Identity.UserID
}
