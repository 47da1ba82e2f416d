package server

import (
	"errors"
	"net/http"

	"atrium/internal/domain"
	"atrium/web/pages"
)

// profileName changes the user's own name.
func (s *Server) profileName(w http.ResponseWriter, r *http.Request) {
	name, err := s.app.ChangeName(r.Context(), actor(r), r.PostFormValue("full_name"))
	if err != nil {
		s.profileRefused(w, r, err, pages.ProfileProps{Name: r.PostFormValue("full_name")})
		return
	}
	s.sessions.Put(r.Context(), "flash", "Your name is now "+name+".")
	http.Redirect(w, r, "/profile", http.StatusSeeOther)
}

// profilePassword changes the user's own password. This session continues with a new
// token; every other session ends.
func (s *Server) profilePassword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	epoch, err := s.app.ChangePassword(ctx, actor(r), r.PostFormValue("current_password"), r.PostFormValue("new_password"),
		s.sessions.Token(ctx))
	if err != nil {
		s.profileRefused(w, r, err, pages.ProfileProps{})
		return
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(ctx, sessEpoch, epoch)
	if err := s.app.RenewSession(ctx, currentUser(r), s.sessions.Token(ctx), sessionStart(r, s.sessions.Deadline(ctx))); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(ctx, "flash", "Your password is changed. Your other sessions are signed out.")
	http.Redirect(w, r, "/profile", http.StatusSeeOther)
}

// profileRefused re-renders the profile with a refused form's errors: 422 for a field,
// 429 (with Retry-After) when attempts are throttled; anything else fails.
func (s *Server) profileRefused(w http.ResponseWriter, r *http.Request, err error, p pages.ProfileProps) {
	var e *domain.Error
	if !errors.As(err, &e) || (e.Field == "" && e.Code != domain.ETOOMANY) {
		s.fail(w, r, err)
		return
	}
	p.Errors = map[string]string{}
	status := http.StatusUnprocessableEntity
	if e.Code == domain.ETOOMANY {
		status = http.StatusTooManyRequests
		p.Errors["password"] = e.Message
		setRetryAfter(w, err)
	} else {
		p.Errors[e.Field] = e.Message
	}
	s.renderProfile(w, r, status, p)
}
