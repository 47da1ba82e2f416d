package server

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/web/pages"
)

// invitationAccept accepts an invitation (public route). Signed in as the invited
// email, it makes the user a member and opens the account, once the session has
// proven what the account's rules ask of someone joining it (policy.Join); until then
// it grants nothing and sends the browser to prove it (the step-up pages, which come
// back to the link, where Accept then takes effect). Signed out, for an email
// without a user, it creates the user with the name and password of the form, signs
// them in and opens the account. Signed in as someone else, nothing is granted (403).
// A link that no longer works shows why; an email that has a user asks to sign in.
func (s *Server) invitationAccept(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	if u, signedIn := s.optionalUser(r); signedIn {
		inv, err := s.app.AcceptInvitation(r.Context(), actorOf(r, u), token, s.proof(r))
		if errors.Is(err, app.ErrJoinStepsOwed) {
			http.Redirect(w, r, joinStepPath(token), http.StatusSeeOther)
			return
		}
		if err != nil {
			s.invitationRefused(w, r, err, pages.InvitationProps{})
			return
		}
		s.sessions.Put(r.Context(), "flash", "Welcome to "+inv.AccountName+". You are a member as "+inv.RoleName+".")
		http.Redirect(w, r, "/a/"+inv.AccountSlug+"/", http.StatusSeeOther)
		return
	}
	name := r.PostFormValue("full_name")
	u, inv, err := s.app.AcceptInvitationAsNewUser(r.Context(), token, app.NewUserInput{FullName: name,
		Password: r.PostFormValue("password"), IP: clientIP(r)})
	if err != nil {
		p := pages.InvitationProps{FullName: name}
		var e *domain.Error
		if errors.As(err, &e) && e.Field == "full_name" {
			p.FullNameError = e.Message
		} else if e != nil && e.Field == "password" {
			p.PasswordError = e.Message
		}
		s.invitationRefused(w, r, err, p)
		return
	}
	s.sessions.Put(r.Context(), "flash", "Welcome to "+inv.AccountName+", "+u.FullName+". You are a member as "+inv.RoleName+".")
	s.finishSignIn(w, r, u, policy.Proof{Method: policy.MethodPassword, At: s.now()}, "/a/"+inv.AccountSlug+"/")
}

// invitationRefused answers an accept or decline that did not happen: the link's page
// again, saying why (a link that no longer works shows its own page).
func (s *Server) invitationRefused(w http.ResponseWriter, r *http.Request, err error, p pages.InvitationProps) {
	switch {
	case errors.Is(err, app.ErrInvitationClosed), errors.Is(err, app.ErrSignInToAnswer):
		s.renderInvitation(w, r, http.StatusOK, pages.InvitationProps{})
	case domain.ErrorCode(err) == domain.EFORBIDDEN: // signed in as someone else
		s.renderInvitation(w, r, http.StatusForbidden, pages.InvitationProps{})
	case domain.ErrorCode(err) == domain.EINVALID:
		if p.FullNameError == "" && p.PasswordError == "" {
			p.Error = domain.ErrorMessage(err)
		}
		s.renderInvitation(w, r, http.StatusUnprocessableEntity, p)
	case domain.ErrorCode(err) == domain.ENOTFOUND:
		s.invitationLinkProblem(w, r, err)
	default:
		s.fail(w, r, err)
	}
}
