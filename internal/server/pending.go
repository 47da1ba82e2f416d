package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/web/pages"
)

// A pending sign-in has proven some steps but not all. It lives in the session's
// server-side data (bound to the browser by the session cookie), under sessPending
// only: the session has no user (sessUserID), so every protected route sends it to
// /login. It lasts pendingLife; each step proven renews the session token.
const pendingLife = 10 * time.Minute

// pendingSignIn is what a pending sign-in keeps between steps.
type pendingSignIn struct {
	State app.SignInState `json:"state"`
	Proof policy.Proof    `json:"proof"`
	Until time.Time       `json:"until"`
	// Next is where the browser goes once signed in ("" for the landing page).
	Next string `json:"next"`
}

// savePending stores p in the session, which expires with it.
func (s *Server) savePending(r *http.Request, p pendingSignIn) {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err) // plain data: an error here is a bug
	}
	s.sessions.Put(r.Context(), sessPending, string(b))
	s.sessions.SetDeadline(r.Context(), time.Now().Add(p.Until.Sub(s.now())))
}

// pendingOf returns the session's pending sign-in, if it has one that has not expired.
func (s *Server) pendingOf(r *http.Request) (pendingSignIn, bool) {
	raw := s.sessions.GetString(r.Context(), sessPending)
	if raw == "" || s.userID(r) != 0 {
		return pendingSignIn{}, false
	}
	var p pendingSignIn
	if err := json.Unmarshal([]byte(raw), &p); err != nil || p.State.UserID == 0 || !s.now().Before(p.Until) {
		return pendingSignIn{}, false
	}
	return p, true
}

// pendingStep returns the pending sign-in and the step it owes now, or sends the
// browser where it belongs (/login without one, the step's own page when it owes
// another) and reports false.
func (s *Server) pendingStep(w http.ResponseWriter, r *http.Request, kind policy.StepKind) (pendingSignIn, policy.Step, bool) {
	p, ok := s.pendingOf(r)
	if !ok {
		s.pendingGone(w, r, "")
		return p, policy.Step{}, false
	}
	steps := p.State.Owed(p.Proof)
	if len(steps) == 0 || steps[0].Kind != kind {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return p, policy.Step{}, false
	}
	return p, steps[0], true
}

// pendingGone sends a browser whose sign-in is not pending (any more) to /login, with
// notice when given. A session holding an expired sign-in is ended.
func (s *Server) pendingGone(w http.ResponseWriter, r *http.Request, notice string) {
	ctx := r.Context()
	if notice == "" && s.sessions.GetString(ctx, sessPending) != "" && s.userID(r) == 0 {
		notice = "Your sign-in took too long. Please start again."
	}
	if notice != "" && r.Method == http.MethodPost {
		if err := s.sessions.Destroy(ctx); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.sessions.RenewToken(ctx); err != nil {
			s.fail(w, r, err)
			return
		}
		s.sessions.Put(ctx, "notice", notice)
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// signInFailed answers an error of a sign-in step that is not about a form field: the
// sign-in ends where it must (too many wrong codes, the user changed under it) and the
// email step shows why.
func (s *Server) signInFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, app.ErrTooManyCodes):
		s.pendingGone(w, r, domain.ErrorMessage(err))
	case domain.ErrorCode(err) == domain.EUNAUTHORISED:
		s.pendingGone(w, r, domain.ErrorMessage(err))
	case errors.Is(err, app.ErrSSOOnly):
		s.render(w, r, http.StatusForbidden, pages.Login(pages.LoginProps{Step: "email", Error: domain.ErrorMessage(err)}))
	default:
		s.fail(w, r, err)
	}
}
