package server

import (
	"net/http"

	"atrium/web/pages"
)

// invitationsSend sends an invitation (members.invite) and returns to the members
// list; a refusal re-renders the form saying why (an invitation already pending is
// offered to be sent again).
func (s *Server) invitationsSend(w http.ResponseWriter, r *http.Request) {
	form, in := inviteForm(r)
	res, err := s.app.Invite(r.Context(), actor(r), accessHandle(r), in)
	if err != nil {
		s.inviteRefused(w, r, err, pages.InviteProps{Form: form, Pending: res.Pending})
		return
	}
	inv := res.Invitation
	s.sessions.Put(r.Context(), "flash", "Invitation sent to "+inv.Email+" as "+inv.RoleName+". It stays pending until they answer.")
	http.Redirect(w, r, "/a/"+currentAccess(r).Account.Slug+"/members", http.StatusSeeOther)
}
