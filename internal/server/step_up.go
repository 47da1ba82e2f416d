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
// remembered for the session) the browser goes on to that page.

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

// stepUpTarget reads the account and the way on from the query (GET) or the form
// (POST); a next that is not a safe same-site path becomes the account's home.
func stepUpTarget(r *http.Request) (slug, next string) {
	if r.Method == http.MethodGet {
		slug, next = r.URL.Query().Get("account"), r.URL.Query().Get("next")
	} else {
		slug, next = r.PostFormValue("account"), r.PostFormValue("next")
	}
	if next = safeNext(next); next == "" {
		next = "/a/" + url.PathEscape(slug) + "/"
	}
	return slug, next
}

// stepUpShow asks what entering the account still needs: a code, or setting up
// two-factor authentication first (on the profile, after confirming the password).
func (s *Server) stepUpShow(w http.ResponseWriter, r *http.Request) {
	slug, next := stepUpTarget(r)
	if slug == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	up, err := s.app.StepUp(r.Context(), currentUser(r).ID, slug, s.proof(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(up.Steps) == 0 {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.renderStepUp(w, r, http.StatusOK, up, next, pages.CodeStepProps{})
}

func (s *Server) renderStepUp(w http.ResponseWriter, r *http.Request, status int, up app.StepUp, next string, props pages.CodeStepProps) {
	sh, err := s.shell(r.Context(), r, "Switching to "+up.Account.Name, currentUser(r), nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	step := up.Steps[0]
	switch step.Kind {
	case policy.StepTOTP:
		props.Shell, props.Reason = &sh, step.Reason()
		props.Action, props.RecoveryAction = "/step-up", "/step-up/recovery"
		props.Hidden = map[string]string{"account": up.Account.Slug, "next": next}
		s.render(w, r, status, pages.CodeStep(props))
	case policy.StepTOTPEnrol:
		s.render(w, r, status, pages.StepUpNotice(pages.StepUpProps{Shell: sh, Title: "Set up two-factor authentication",
			Reason: step.Reason(), Body: "Set up an authenticator app for your sign-in first; then you go on to " + up.Account.Name + ".",
			LinkHref: "/profile/two-factor?" + url.Values{"next": {next}}.Encode(), LinkText: "Set up two-factor authentication"}))
	case policy.StepSSO:
		s.render(w, r, status, pages.StepUpNotice(pages.StepUpProps{Shell: sh, Title: "Sign in through " + up.Account.Name + "'s single sign-on",
			Reason: step.Reason(), Body: "Sign in at your organisation's identity provider; then you go on to " + up.Account.Name + ".",
			LinkHref: stepUpSSOPath(up.Account.Slug, next), LinkText: "Continue to single sign-on"}))
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
	slug, next := stepUpTarget(r)
	if slug == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	code := r.PostFormValue("code")
	if recovery {
		code = r.PostFormValue("recovery_code")
	}
	res, err := s.app.ProveStepUp(ctx, actor(r), s.sessions.GetInt(ctx, sessEpoch), slug, s.proof(r), code, recovery)
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
		up, uerr := s.app.StepUp(ctx, currentUser(r).ID, slug, s.proof(r))
		if uerr != nil || len(up.Steps) == 0 || up.Steps[0].Kind != policy.StepTOTP {
			s.fail(w, r, err)
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
		s.renderStepUp(w, r, status, up, next, props)
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
	http.Redirect(w, r, next, http.StatusSeeOther)
}
