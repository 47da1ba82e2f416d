package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/internal/policy"
	"atrium/web/pages"
)

// invitationShow is the page behind an invitation link (public): whom it invites to
// what and, while it works, how to accept or decline as the visitor is; otherwise why
// it no longer works and whom to ask. A malformed or unknown link gives 404 before any
// query; a used, declined, revoked, expired, replaced or ended one 410.
func (s *Server) invitationShow(w http.ResponseWriter, r *http.Request) {
	s.renderInvitation(w, r, http.StatusOK, pages.InvitationProps{})
}

// renderInvitation renders the link's page around p (which may carry a refused form)
// with status while the link works.
func (s *Server) renderInvitation(w http.ResponseWriter, r *http.Request, status int, p pages.InvitationProps) {
	p.Token = chi.URLParam(r, "token")
	v, err := s.app.InvitationByLink(r.Context(), p.Token)
	if err != nil {
		s.invitationLinkProblem(w, r, err)
		return
	}
	p.Invitation, p.State = v.Invitation, v.State
	u, signedIn := s.optionalUser(r)
	if signedIn {
		p.SignedInAs = u.Email
	}
	if v.State != app.LinkOpen {
		s.render(w, r, http.StatusGone, pages.Invitation(p))
		return
	}
	switch {
	case signedIn && !app.SameEmail(u.Email, v.Invitation.Email):
		p.Mode = pages.InvitationModeWrongUser
	case signedIn:
		p.Mode = pages.InvitationModeAnswer
		if up, err := s.app.JoinSteps(r.Context(), u.ID, p.Token, s.proof(r)); err == nil && len(up.Steps) > 0 {
			p.JoinReason, p.JoinStep = up.Steps[0].Reason(), joinStepText(up.Steps[0])
		}
	case v.UserExists:
		p.Mode = pages.InvitationModeSignIn
		s.setLoginEmail(w, v.Invitation.Email) // the sign-in form starts with the invited email
	default:
		p.Mode = pages.InvitationModeNew
		if id, err := s.app.InvitationSSO(r.Context(), p.Token); err == nil && id != 0 {
			p.Mode = pages.InvitationModeSSO
		}
	}
	s.render(w, r, status, pages.Invitation(p))
}

// invitationLinkProblem answers a link that is not valid (404) or an error.
func (s *Server) invitationLinkProblem(w http.ResponseWriter, r *http.Request, err error) {
	if domain.ErrorCode(err) != domain.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	_, signedIn := s.optionalUser(r)
	link, text := "/login", "Sign in"
	if signedIn {
		link, text = "/", "Go to my accounts"
	}
	s.render(w, r, http.StatusNotFound, pages.Message(pages.MessageProps{Title: "This invitation link is not valid",
		Body: domain.ErrorMessage(err), LinkHref: link, LinkText: text, SignedIn: signedIn}))
}

// joinStepText says what accepting asks first, for the invitation's page.
func joinStepText(step policy.Step) string {
	switch step.Kind {
	case policy.StepTOTP:
		return "When you accept, you are asked for a code from your authenticator app first."
	case policy.StepTOTPEnrol:
		return "When you accept, you set up two-factor authentication first."
	case policy.StepSSO:
		return "When you accept, you sign in through its identity provider first."
	}
	return ""
}
