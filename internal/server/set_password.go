package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"atrium/internal/domain"
	"atrium/web/pages"
)

// setPasswordShow renders the form behind a one-time set-password link; a used,
// expired or unknown link says so.
func (s *Server) setPasswordShow(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	u, err := s.app.PasswordTokenUser(r.Context(), token)
	if err != nil {
		s.linkProblem(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.SetPassword(pages.SetPasswordProps{Token: token, Email: u.Email, FullName: u.FullName}))
}

// setPassword saves the password, uses up the link and sends the user to sign in.
func (s *Server) setPassword(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	u, err := s.app.SetPasswordWithToken(r.Context(), token, r.PostFormValue("password"), clientIP(r))
	if err != nil {
		var e *domain.Error
		if de, ok := err.(*domain.Error); ok {
			e = de
		}
		if e != nil && e.Field == "password" {
			pu, perr := s.app.PasswordTokenUser(r.Context(), token)
			if perr != nil {
				s.linkProblem(w, r, perr)
				return
			}
			s.render(w, r, http.StatusUnprocessableEntity, pages.SetPassword(pages.SetPasswordProps{Token: token,
				Email: pu.Email, FullName: pu.FullName, Error: e.Message}))
			return
		}
		s.linkProblem(w, r, err)
		return
	}
	s.setLoginEmail(w, u.Email)
	s.sessions.Put(r.Context(), "notice", "Your password is saved. Sign in with it now.")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) linkProblem(w http.ResponseWriter, r *http.Request, err error) {
	if c := domain.ErrorCode(err); c != domain.EINVALID && c != domain.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, ErrorStatus(err), pages.Message(pages.MessageProps{Title: "This link cannot be used",
		Body: domain.ErrorMessage(err), LinkHref: "/login", LinkText: "Sign in"}))
}
