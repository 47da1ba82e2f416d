package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/web/pages"
)

// confirmEmailShow shows what a confirmation link changes, with the button that
// confirms it (opening the link changes nothing: mail scanners open links too).
func (s *Server) confirmEmailShow(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	l, err := s.app.EmailChangeForToken(r.Context(), token)
	if err != nil {
		s.emailLinkProblem(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.ConfirmEmail(pages.ConfirmEmailProps{Token: token, FullName: l.FullName,
		OldEmail: l.OldEmail, NewEmail: l.NewEmail}))
}

// confirmEmail changes the email of the user the link was made for. A browser signed
// in as that user stays signed in with a new token; one signed in as someone else
// stays as it was; any other (signed out, or in a session of the user that had already
// ended) goes to /login, signed out, with the new email filled in.
func (s *Server) confirmEmail(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	uid := s.userID(r)
	ch, err := s.app.ConfirmEmailChange(ctx, chi.URLParam(r, "token"), clientIP(r),
		app.BrowserSession{UserID: uid, Epoch: s.sessions.GetInt(ctx, sessEpoch), Token: s.sessions.Token(ctx)})
	if err != nil {
		s.emailLinkProblem(w, r, err)
		return
	}
	switch {
	case ch.KeptSession:
		if err := s.sessions.RenewToken(ctx); err != nil {
			s.fail(w, r, err)
			return
		}
		s.sessions.Put(ctx, sessEpoch, ch.Epoch)
		if err := s.app.RenewSession(ctx, ch.User, s.sessions.Token(ctx), sessionStart(r, s.sessions.Deadline(ctx))); err != nil {
			s.fail(w, r, err)
			return
		}
		s.sessions.Put(ctx, "flash", "You now sign in with "+ch.User.Email+". Your other sessions are signed out, and "+
			ch.OldEmail+" has been told.")
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
	case uid != 0 && uid != ch.User.ID:
		s.render(w, r, http.StatusOK, pages.Message(pages.MessageProps{Title: "Email changed",
			Body:     ch.User.FullName + " now signs in with " + ch.User.Email + ". This browser is still signed in as before.",
			LinkHref: "/", LinkText: "Continue", SignedIn: true}))
	default:
		if uid != 0 { // this user's session, already ended before the change
			if err := s.sessions.Destroy(ctx); err != nil {
				s.fail(w, r, err)
				return
			}
			if err := s.sessions.RenewToken(ctx); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		s.setLoginEmail(w, ch.User.Email)
		s.sessions.Put(ctx, "notice", "You now sign in with "+ch.User.Email+".")
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	}
}

// emailLinkProblem explains why a confirmation link cannot be used (unknown, used,
// expired, or its address taken meanwhile).
func (s *Server) emailLinkProblem(w http.ResponseWriter, r *http.Request, err error) {
	switch domain.ErrorCode(err) {
	case domain.EINVALID, domain.ENOTFOUND, domain.ECONFLICT:
	default:
		s.fail(w, r, err)
		return
	}
	s.render(w, r, ErrorStatus(err), pages.Message(pages.MessageProps{Title: "Your email was not changed",
		Body: domain.ErrorMessage(err), LinkHref: "/profile#email", LinkText: "Go to your profile"}))
}
