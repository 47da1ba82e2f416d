package server

import (
	"errors"
	"net/http"
	"strconv"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/web/pages"
)

// inviteForm reads the "Invite a user" form.
func inviteForm(r *http.Request) (pages.InviteForm, app.InviteInput) {
	f := pages.InviteForm{FirstName: r.PostFormValue("first_name"), LastName: r.PostFormValue("last_name"),
		Email: r.PostFormValue("email"), Message: r.PostFormValue("message")}
	var err error
	if f.RoleID, err = strconv.ParseInt(r.PostFormValue("role"), 10, 64); err != nil {
		f.RoleID = -1
	}
	return f, app.InviteInput{FirstName: f.FirstName, LastName: f.LastName, Email: f.Email, RoleID: f.RoleID, Message: f.Message}
}

// invitationsNew is the "Invite a user" page (members.invite).
func (s *Server) invitationsNew(w http.ResponseWriter, r *http.Request) {
	s.renderInvite(w, r, http.StatusOK, pages.InviteProps{Form: pages.InviteForm{RoleID: domain.ViewerRoleID}})
}

// invitationsPreview renders the page again with the email it would send, built by
// the same code as the real one; nothing is sent or stored (members.invite).
func (s *Server) invitationsPreview(w http.ResponseWriter, r *http.Request) {
	form, in := inviteForm(r)
	msg, err := s.app.PreviewInvitation(r.Context(), actor(r), accessHandle(r), in)
	if err != nil {
		s.inviteRefused(w, r, err, pages.InviteProps{Form: form})
		return
	}
	// The preview shows the email's own inline styles in a sandboxed frame.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "+
		"img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	s.renderInvite(w, r, http.StatusOK, pages.InviteProps{Form: form, Preview: &msg})
}

func (s *Server) renderInvite(w http.ResponseWriter, r *http.Request, status int, p pages.InviteProps) {
	access := currentAccess(r)
	roles, err := s.app.InvitableRoles(r.Context(), accessHandle(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Shell, err = s.shell(r.Context(), r, "Invite a user · "+access.Account.Name, access.User, &access); err != nil {
		s.fail(w, r, err)
		return
	}
	p.Access, p.Roles, p.MessageMax = access, roles, app.MessageMax
	s.render(w, r, status, pages.Invite(p))
}

// inviteRefused re-renders the form with a refusal: next to its field when it has
// one, above the form otherwise; a rate limit answers 429 with Retry-After.
func (s *Server) inviteRefused(w http.ResponseWriter, r *http.Request, err error, p pages.InviteProps) {
	var e *domain.Error
	if !errors.As(err, &e) || (e.Code != domain.EINVALID && e.Code != domain.ETOOMANY && e.Code != domain.EFORBIDDEN) {
		s.fail(w, r, err)
		return
	}
	switch e.Field {
	case "first_name":
		p.Form.FirstNameError = e.Message
	case "last_name":
		p.Form.LastNameError = e.Message
	case "email":
		p.Form.EmailError = e.Message
	case "role":
		p.Form.RoleError = e.Message
	case "message":
		p.Form.MessageError = e.Message
	default:
		p.Form.Error = e.Message
	}
	setRetryAfter(w, err)
	s.renderInvite(w, r, ErrorStatus(err), p)
}
