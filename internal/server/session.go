package server

import (
	"context"
	"net/http"
	"time"

	"atrium/internal/app"
	"atrium/internal/domain"
)

// Session keys. The session records who signed in, their epoch at that moment, and
// how they proved it; never a membership or a role.
const (
	sessUserID     = "uid"
	sessEpoch      = "epoch"
	sessAuthMethod = "auth_method"
	sessAuthAt     = "auth_at"
)

func (s *Server) userID(r *http.Request) int64 { return s.sessions.GetInt64(r.Context(), sessUserID) }

// signIn starts an authenticated session with a fresh token and records it (its row,
// owned by the user, with the audit event). method is the proof kept in the session
// and named in the activity log (app.MethodPassword, …).
func (s *Server) signIn(r *http.Request, u domain.User, method string) error {
	ctx := r.Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, sessUserID, u.ID)
	s.sessions.Put(ctx, sessEpoch, u.SessionEpoch)
	s.sessions.Put(ctx, sessAuthMethod, method)
	s.sessions.Put(ctx, sessAuthAt, time.Now().Unix())
	s.sessions.Remove(ctx, sessEntered) // a new sign-in records its entries afresh
	return s.app.StartSession(ctx, u, method, s.sessions.Token(ctx), sessionStart(r, s.sessions.Deadline(ctx)))
}

// sessionStart describes the session the request is starting, ending at expiry.
func sessionStart(r *http.Request, expiry time.Time) domain.SessionStart {
	return domain.SessionStart{Expiry: expiry, IP: clientIP(r), UserAgent: r.UserAgent()}
}

// completeSignIn is the one place a sign-in ends, whatever proved it (the password
// step, or a new user's password chosen on an invitation): it starts the session
// (signIn), forgets the sign-in's cookies and sends the browser to dest. Steps the
// login policy still owes belong before the call to signIn here.
func (s *Server) completeSignIn(w http.ResponseWriter, r *http.Request, u domain.User, method, dest string) {
	if err := s.signIn(r, u, method); err != nil {
		s.countSignIn(signInError)
		s.fail(w, r, err)
		return
	}
	s.countSignIn(signInOK)
	s.clearLoginEmail(w)
	s.clearLoginNext(w)
	http.Redirect(w, r, dest, http.StatusSeeOther)
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
