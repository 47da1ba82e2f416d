package server

import (
	"net/http"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/web/pages"
)

// forbidden answers 403 inside an account to a member whose role lacks perm: the page
// names the permission and, when it can be asked for, offers "Request access" (or says
// the request is already waiting). reason and reasonErr carry a refused request.
func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, perm domain.Permission, status int, reason, reasonErr string) {
	a := currentAccess(r)
	p := pages.ForbiddenProps{AccountSlug: a.Account.Slug, AccountName: a.Account.Name, Permission: perm,
		Reason: reason, ReasonError: reasonErr, MessageMax: app.MessageMax,
		Message: "Your role in " + a.Account.Name + " (" + a.RoleName + ") does not include “" + domain.PermissionLabel(perm) +
			"” (" + string(perm) + ")."}
	switch {
	case !app.Requestable(perm):
		p.Message += " Only the owner of " + a.Account.Name + " can do this."
	case a.MembershipStatus != domain.MembershipActive:
		p.Message += " Ask an administrator of the account if you need it."
	default:
		p.CanRequest = true
		req, err := s.app.OpenRequest(r.Context(), accessHandle(r), perm)
		switch domain.ErrorCode(err) {
		case "":
			p.Requested = &req
		case domain.ENOTFOUND:
		default:
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, status, pages.Forbidden(p))
}
