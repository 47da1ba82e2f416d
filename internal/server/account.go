package server

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"atrium/internal/app"
	"atrium/internal/domain"
)

// requireAccount resolves the account from the URL and the caller's access to it in
// one query, checking the session epoch on the same row. Strangers get 404; deactivated
// or removed members are told their access was revoked; a closed account says so. A
// session that owes the account's entry rules (step-up) is sent to prove them first,
// and one entering an account that requires two-factor authentication gets the idle
// timeout. The first page of an account in a session records the entry (recordEntry).
func (s *Server) requireAccount(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uid := s.userID(r)
		if uid == 0 {
			s.toLogin(w, r)
			return
		}
		if !s.keepAlive(w, r) {
			return
		}
		h, err := s.app.Access(r.Context(), uid, chi.URLParam(r, "account"))
		view := h.View()
		if view.User.ID != 0 && view.User.SessionEpoch != s.sessions.GetInt(r.Context(), sessEpoch) {
			s.toLogin(w, r)
			return
		}
		ctx := context.WithValue(r.Context(), keyUser, view.User)
		if err != nil {
			s.fail(w, r.WithContext(ctx), err)
			return
		}
		if steps := h.EntrySteps(s.proof(r)); len(steps) > 0 {
			s.toStepUp(w, r, view.Account.Slug)
			return
		}
		s.markStrict(r, view.Account)
		ctx = context.WithValue(ctx, keyAccess, h)
		s.recordEntry(r, h)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// accessHandle returns the handle loaded by requireAccount, which the account's use
// cases take: only app makes one, so a handler cannot hand app a forged access.
func accessHandle(r *http.Request) app.Access {
	h, _ := r.Context().Value(keyAccess).(app.Access)
	return h
}

// currentAccess returns the facts of the access loaded by requireAccount, for
// rendering (a copy: changing it changes nothing app will see).
func currentAccess(r *http.Request) domain.Access { return accessHandle(r).View() }

// require answers 403 unless the caller holds perm in the current account, with a
// page that offers to request it.
func (s *Server) require(perm domain.Permission) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if a := currentAccess(r); !a.Permissions.Has(perm) {
				s.forbidden(w, r, perm, http.StatusForbidden, "", "")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// requireStaff answers 404 to everyone but platform staff.
func (s *Server) requireStaff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !currentUser(r).IsStaff {
			s.fail(w, r, domain.Errorf(domain.ENOTFOUND, "Page not found."))
			return
		}
		next.ServeHTTP(w, r)
	})
}
