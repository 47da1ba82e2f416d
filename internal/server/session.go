package server

import (
	"context"
	"net/http"
	"time"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/policy"
)

// Session keys. A signed-in session records who signed in, their epoch at that moment,
// and what they proved and when (method, second factor, time); never a membership or
// a role. A sign-in still owing steps keeps its state under sessPending alone, never
// under sessUserID, so requireUser and requireAccount refuse it.
const (
	sessUserID     = "uid"
	sessEpoch      = "epoch"
	sessAuthMethod = "auth_method"
	sessAuthAt     = "auth_at"
	sessAuthMFA    = "auth_mfa"
	sessPending    = "signin"
	sessEnrol      = "enrol"
	// sessAuthConn is the SSO connection the session signed in through;
	// sessSteppedUp the further connections it stepped up through since (a list).
	sessAuthConn  = "auth_conn"
	sessSteppedUp = "auth_sso"
	// sessFlow is an SSO round trip under way; sessLink an identity waiting for its
	// user to confirm linking it.
	sessFlow = "sso_flow"
	sessLink = "sso_link"
)

func (s *Server) userID(r *http.Request) int64 { return s.sessions.GetInt64(r.Context(), sessUserID) }

// proof is what the signed-in session has proven.
func (s *Server) proof(r *http.Request) policy.Proof {
	ctx := r.Context()
	p := policy.Proof{Method: s.sessions.GetString(ctx, sessAuthMethod), MFA: s.sessions.GetBool(ctx, sessAuthMFA),
		ConnectionID: s.sessions.GetInt64(ctx, sessAuthConn), SteppedUp: s.steppedUp(r)}
	if at := s.sessions.GetInt64(ctx, sessAuthAt); at != 0 {
		p.At = time.Unix(at, 0)
	}
	return p
}

// finishSignIn is where every sign-in goes once the user has proven something: the
// password step, each second-factor step, and anyone else who signs a user in (such as
// accepting an invitation with a new password: call it with proof{Method: password,
// At: now}). It runs the login policy for u and either completes the sign-in (a fresh
// session token, the session's row and audit event, then a redirect to next, or to the
// landing page when next is not a safe same-site path) or keeps a pending sign-in and
// redirects to the next step the policy owes.
func (s *Server) finishSignIn(w http.ResponseWriter, r *http.Request, u domain.User, proof policy.Proof, next string) {
	st, err := s.app.SignInStateOf(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.continueSignIn(w, r, st, proof, next, false)
}

// continueSignIn runs advance and redirects where it says.
func (s *Server) continueSignIn(w http.ResponseWriter, r *http.Request, st app.SignInState, proof policy.Proof, next string, settle bool) {
	dest, err := s.advance(r, st, proof, next, settle)
	if err != nil {
		s.signInFailed(w, r, err)
		return
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

// advance applies the login policy to a sign-in that has proven proof and returns where
// the browser goes next: to next (or the landing page) when nothing more is owed, the
// session then signed in; else to the page of the step owed, the sign-in pending in the
// session under a fresh token for pendingLife. settle says the sign-in's password
// attempt reserved a failure still to be given back (the password step).
func (s *Server) advance(r *http.Request, st app.SignInState, proof policy.Proof, next string, settle bool) (string, error) {
	ctx := r.Context()
	steps := st.Owed(proof)
	if len(steps) == 0 {
		if err := s.completeSignIn(r, st, proof, settle); err != nil {
			return "", err
		}
		return landingOr(next), nil
	}
	var path string
	switch steps[0].Kind {
	case policy.StepTOTP:
		path = "/login/two-factor"
	case policy.StepTOTPEnrol:
		path = "/login/two-factor/setup"
		if st.NewSecret == nil {
			sealed, _, err := s.app.NewEnrolment(st.UserID, st.Email)
			if err != nil {
				return "", err
			}
			st.NewSecret = sealed
		}
	case policy.StepSSO:
		path = "/login/sso"
	default:
		return "/login", nil
	}
	if settle {
		if err := s.app.SettleSignInAttempt(ctx, st, clientIP(r)); err != nil {
			return "", err
		}
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		return "", err
	}
	s.savePending(r, pendingSignIn{State: st, Proof: proof, Until: s.now().Add(pendingLife), Next: safeNext(next)})
	return path, nil
}

// completeSignIn signs the session in: a fresh token, the session's row recorded with
// the sign-in (app.StartSession), and what was proven kept in the session.
func (s *Server) completeSignIn(r *http.Request, st app.SignInState, proof policy.Proof, settle bool) error {
	ctx := r.Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	if err := s.app.StartSession(ctx, st.User(), proof, s.sessions.Token(ctx), sessionStart(r, s.sessions.Deadline(ctx)), settle); err != nil {
		s.countSignIn(signInError)
		return err
	}
	s.signedIn(r, st.UserID, st.Epoch, proof)
	s.countSignIn(signInOK)
	return nil
}

// signedIn records in the session, whose row exists under its current token, that the
// user is signed in with proof; any pending sign-in state goes.
func (s *Server) signedIn(r *http.Request, userID int64, epoch int, proof policy.Proof) {
	ctx := r.Context()
	s.sessions.Remove(ctx, sessPending)
	s.sessions.Put(ctx, sessUserID, userID)
	s.sessions.Put(ctx, sessEpoch, epoch)
	s.sessions.Put(ctx, sessAuthMethod, proof.Method)
	s.sessions.Put(ctx, sessAuthConn, proof.ConnectionID)
	s.sessions.Put(ctx, sessAuthMFA, proof.MFA)
	s.sessions.Put(ctx, sessAuthAt, s.now().Unix())
	s.sessions.Remove(ctx, sessEntered) // a new sign-in records its entries afresh
}

// renewSignedIn gives a signed-in session a fresh token after it proves something more
// (re-authentication, a step-up, a second factor set up) and records its row under it.
func (s *Server) renewSignedIn(r *http.Request) error {
	ctx := r.Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	return s.app.RenewSession(ctx, currentUser(r), s.sessions.Token(ctx), sessionStart(r, s.sessions.Deadline(ctx)))
}

// landingOr is next when it is a safe same-site path, else the landing page.
func landingOr(next string) string {
	if n := safeNext(next); n != "" {
		return n
	}
	return "/"
}

// sessionStart describes the session the request is starting, ending at expiry.
func sessionStart(r *http.Request, expiry time.Time) domain.SessionStart {
	return domain.SessionStart{Expiry: expiry, IP: clientIP(r), UserAgent: r.UserAgent()}
}

// optionalUser returns the signed-in user of a public page, when there is one whose
// session is still good (not disabled, same session epoch).
func (s *Server) optionalUser(r *http.Request) (domain.User, bool) {
	uid := s.userID(r)
	if uid == 0 {
		return domain.User{}, false
	}
	u, err := s.app.User(r.Context(), uid)
	if err != nil || u.SessionEpoch != s.sessions.GetInt(r.Context(), sessEpoch) {
		return domain.User{}, false
	}
	return u, true
}

// actorOf describes u, signed in on this request, as the app layer's Actor.
func actorOf(r *http.Request, u domain.User) app.Actor {
	return app.Actor{UserID: u.ID, Email: u.Email, IP: clientIP(r), IsStaff: u.IsStaff}
}

// toLogin ends whatever session there is and sends the browser to /login.
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	if s.userID(r) != 0 {
		_ = s.sessions.Destroy(r.Context())
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// requireUser loads the signed-in user for pages outside an account. A missing session,
// a disabled user or a stale session epoch sends the browser to /login.
func (s *Server) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uid := s.userID(r)
		if uid == 0 {
			s.toLogin(w, r)
			return
		}
		if !s.keepAlive(w, r) {
			return
		}
		u, err := s.app.User(r.Context(), uid)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if u.SessionEpoch != s.sessions.GetInt(r.Context(), sessEpoch) {
			s.toLogin(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyUser, u)))
	})
}

// currentUser returns the user loaded by requireUser or requireAccount.
func currentUser(r *http.Request) domain.User {
	if u, ok := r.Context().Value(keyUser).(domain.User); ok {
		return u
	}
	return domain.User{}
}

// actor describes the signed-in user as the app layer's Actor.
func actor(r *http.Request) app.Actor {
	u := currentUser(r)
	return app.Actor{UserID: u.ID, Email: u.Email, IP: clientIP(r), IsStaff: u.IsStaff}
}
