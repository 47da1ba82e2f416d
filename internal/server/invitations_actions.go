package server

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"atrium/internal/app"
	"atrium/internal/domain"
)

type invitationAction func(ctx context.Context, actor app.Actor, access app.Access, id int64) (domain.Invitation, error)

// invitationActionHandler runs one action on the invitation in the URL (members.invite):
// an id that is not one of this account's invitations gives 404; a refusal re-renders
// the members list with its reason; success flashes done and returns to the list.
func (s *Server) invitationActionHandler(act invitationAction, done string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(chi.URLParam(r, "invitation"), 10, 64)
		if err != nil {
			s.fail(w, r, domain.Errorf(domain.ENOTFOUND, "Page not found."))
			return
		}
		inv, err := act(r.Context(), actor(r), accessHandle(r), id)
		if err != nil {
			switch domain.ErrorCode(err) {
			case domain.EINVALID, domain.EFORBIDDEN, domain.ETOOMANY:
				setRetryAfter(w, err)
				s.renderMembers(w, r, ErrorStatus(err), domain.ErrorMessage(err))
			default:
				s.fail(w, r, err)
			}
			return
		}
		s.sessions.Put(r.Context(), "flash", "The invitation to "+inv.Email+" "+done)
		http.Redirect(w, r, "/a/"+currentAccess(r).Account.Slug+"/members", http.StatusSeeOther)
	}
}

// invitationResend sends an invitation again with a new link (members.invite).
func (s *Server) invitationResend(w http.ResponseWriter, r *http.Request) {
	s.invitationActionHandler(s.app.ResendInvitation, "was sent again; the earlier link no longer works.")(w, r)
}

// invitationRevoke withdraws an invitation (members.invite).
func (s *Server) invitationRevoke(w http.ResponseWriter, r *http.Request) {
	s.invitationActionHandler(s.app.RevokeInvitation, "was revoked; its link no longer works.")(w, r)
}
