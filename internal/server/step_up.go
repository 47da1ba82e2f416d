package server

import (
	"errors"
	"net/http"
	"net/url"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/web/pages"
)

// Step-up: requireAccount sends a session that owes an account's entry rules
// (policy.Entry) here, with the account and the page asked for; once proven (a code,
// remembered for the session) the browser goes on to that page. Accepting an
// invitation uses the same pages with the invitation's token instead of the account
// (policy.Join: what joining the invited account asks), coming back to the invitation
// link, whose Accept then takes effect.

// toStepUp sends the browser to the step-up page for the account, coming back to the
// page asked for (a GET) or the account's home (anything else).
func (s *Server) toStepUp(w http.ResponseWriter, r *http.Request, slug string) {
	next := "/a/" + slug + "/"
	if r.Method == http.MethodGet {
		if n := safeNext(r.URL.RequestURI()); n != "" {
			next = n
		}
	}
	http.Redirect(w, r, stepUpPath(slug, next), http.StatusSeeOther)
}

func stepUpPath(slug, next string) string {
	return "/step-up?" + url.Values{"account": {slug}, "next": {next}}.Encode()
}

// joinStepPath is the step-up page for what accepting the invitation of the link
// with token asks first, coming back to the link.
func joinStepPath(token string) string {
	return stepPagePath(stepFor{token: token, next: invitationPath(token)})
}

func invitationPath(token string) string { return "/invitations/" + url.PathEscape(token) }

// stepFor is what a step-up page is for: entering the account slug, or joining an
// account by accepting the invitation of the link with token; then the browser goes
// on to next.
type stepFor struct {
	slug, token, next string
}

// hidden are the form fields that carry t.
func (t stepFor) hidden() map[string]string {
	if t.token != "" {
		return map[string]string{"invitation": t.token, "next": t.next}
	}
	return map[string]string{"account": t.slug, "next": t.next}
}

// stepUpTarget reads the account (or the invitation) and the way on from the query
// (GET) or the form (POST); a next that is not a safe same-site path becomes the
// account's home (the invitation link).
func stepUpTarget(r *http.Request) stepFor {
	var t stepFor
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		t = stepFor{slug: q.Get("account"), token: q.Get("invitation"), next: q.Get("next")}
	} else {
		t = stepFor{slug: r.PostFormValue("account"), token: r.PostFormValue("invitation"), next: r.PostFormValue("next")}
	}
	if t.token != "" {
		t.slug = ""
	}
	if t.next = safeNext(t.next); t.next == "" {
		t.next = "/a/" + url.PathEscape(t.slug) + "/"
		if t.token != "" {
			t.next = invitationPath(t.token)
		}
	}
	return t
}

// stepsOf returns what the target still asks of the signed-in session.
func (s *Server) stepsOf(r *http.Request, t stepFor) (app.StepUp, error) {
	if t.token != "" {
		return s.app.JoinSteps(r.Context(), currentUser(r).ID, t.token, s.proof(r))
	}
	return s.app.StepUp(r.Context(), currentUser(r).ID, t.slug, s.proof(r))
}

// stepRefused answers a step-up page whose target cannot be stepped up to: for an
// invitation that no longer works or is someone else's, the link's page says why.
func (s *Server) stepRefused(w http.ResponseWriter, r *http.Request, t stepFor, err error) {
	if t.token != "" && app.InvitationLinkShape(t.token) && domain.ErrorCode(err) != domain.ENOTFOUND {
		http.Redirect(w, r, invitationPath(t.token), http.StatusSeeOther)
		return
	}
	s.fail(w, r, err)
}

// stepUpShow asks what entering the account still needs: a code, or setting up
// two-factor authentication first (on the profile, after confirming the password).
func (s *Server) stepUpShow(w http.ResponseWriter, r *http.Request) {
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
	if len(up.Steps) == 0 {
		http.Redirect(w, r, t.next, http.StatusSeeOther)
		return
	}
	s.renderStepUp(w, r, http.StatusOK, up, t, pages.CodeStepProps{})
}

func (s *Server) renderStepUp(w http.ResponseWriter, r *http.Request, status int, up app.StepUp, t stepFor, props pages.CodeStepProps) {
	title, then := "Switching to "+up.Account.Name, "then you go on to "+up.Account.Name+"."
	if up.Invitation != "" {
		title, then = "Joining "+up.Account.Name, "then you come back to accept the invitation to "+up.Account.Name+"."
	}
	sh, err := s.shell(r.Context(), r, title, currentUser(r), nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	step := up.Steps[0]
	switch step.Kind {
	case policy.StepTOTP:
		props.Shell, props.Reason = &sh, step.Reason()
		props.Action, props.RecoveryAction = "/step-up", "/step-up/recovery"
		props.Hidden = t.hidden()
		s.render(w, r, status, pages.CodeStep(props))
	case policy.StepTOTPEnrol:
		s.render(w, r, status, pages.StepUpNotice(pages.StepUpProps{Shell: sh, Title: "Set up two-factor authentication",
			Reason: step.Reason(), Body: "Set up an authenticator app for your sign-in first; " + then,
			LinkHref: "/profile/two-factor?" + url.Values{"next": {t.next}}.Encode(), LinkText: "Set up two-factor authentication"}))
	case policy.StepSSO:
		s.render(w, r, status, pages.StepUpNotice(pages.StepUpProps{Shell: sh, Title: "Sign in through " + up.Account.Name + "'s single sign-on",
			Reason: step.Reason(), Body: "Sign in at your organisation's identity provider; " + then,
			LinkHref: stepUpSSOPath(t), LinkText: "Continue to single sign-on"}))
	default:
		s.render(w, r, http.StatusForbidden, pages.StepUpNotice(pages.StepUpProps{Shell: sh, Title: "You cannot open " + up.Account.Name + " yet",
			Reason: step.Reason(), Body: "Sign out, then sign in with your password to open " + up.Account.Name + "."}))
	}
}

// stepUp checks a code to enter the account.
func (s *Server) stepUp(w http.ResponseWriter, r *http.Request) { s.proveStepUp(w, r, false) }

// stepUpRecovery checks a recovery code to enter the account.
func (s *Server) stepUpRecovery(w http.ResponseWriter, r *http.Request) { s.proveStepUp(w, r, true) }

// proveStepUp checks the step-up code. A right one is remembered for the session,
// which gets a fresh token, and the browser goes on. Wrong codes count as at sign-in;
// policy.CodeEndAfter of them end the session.
func (s *Server) proveStepUp(w http.ResponseWriter, r *http.Request, recovery bool) {
	ctx := r.Context()
	if _, err := formNext(r); err != nil {
		s.fail(w, r, err)
		return
	}
	t := stepUpTarget(r)
	if t.slug == "" && t.token == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	code := r.PostFormValue("code")
	if recovery {
		code = r.PostFormValue("recovery_code")
	}
	var res app.CodeResult
	var err error
	if t.token != "" {
		res, err = s.app.ProveJoinStep(ctx, actor(r), s.sessions.GetInt(ctx, sessEpoch), t.token, s.proof(r), code, recovery)
	} else {
		res, err = s.app.ProveStepUp(ctx, actor(r), s.sessions.GetInt(ctx, sessEpoch), t.slug, s.proof(r), code, recovery)
	}
	if err != nil {
		if errors.Is(err, app.ErrTooManyCodes) || domain.ErrorCode(err) == domain.EUNAUTHORISED {
			if derr := s.sessions.Destroy(ctx); derr != nil {
				s.fail(w, r, derr)
				return
			}
			if rerr := s.sessions.RenewToken(ctx); rerr != nil {
				s.fail(w, r, rerr)
				return
			}
			s.sessions.Put(ctx, "notice", domain.ErrorMessage(err))
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		up, uerr := s.stepsOf(r, t)
		if uerr != nil || len(up.Steps) == 0 || up.Steps[0].Kind != policy.StepTOTP {
			s.stepRefused(w, r, t, err)
			return
		}
		var e *domain.Error
		if !errors.As(err, &e) {
			s.fail(w, r, err)
			return
		}
		props := pages.CodeStepProps{}
		status := http.StatusUnprocessableEntity
		if e.Code == domain.ETOOMANY {
			status = http.StatusTooManyRequests
			setRetryAfter(w, err)
		} else if e.Code != domain.EINVALID {
			s.fail(w, r, err)
			return
		}
		if recovery {
			props.RecoveryError, props.RecoveryOpen = e.Message, true
		} else {
			props.CodeError = e.Message
		}
		s.renderStepUp(w, r, status, up, t, props)
		return
	}
	if res.Proof.MFA && !s.proof(r).MFA {
		if err := s.renewSignedIn(r); err != nil {
			s.fail(w, r, err)
			return
		}
		s.sessions.Put(ctx, sessAuthMFA, true)
	}
	if recovery {
		s.sessions.Put(ctx, "notice", recoveryLeftNotice(res.RecoveryLeft))
	}
	http.Redirect(w, r, t.next, http.StatusSeeOther)
}
