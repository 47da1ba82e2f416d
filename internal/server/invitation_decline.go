package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"atrium/internal/app"
	"atrium/web/pages"
)

// invitationDecline declines an invitation (public route): signed in as the invited
// email, or signed out for an email without a user. The inviter is told by email.
func (s *Server) invitationDecline(w http.ResponseWriter, r *http.Request) {
	act := app.Actor{IP: clientIP(r)}
	u, signedIn := s.optionalUser(r)
	if signedIn {
		act = actorOf(r, u)
	}
	inv, err := s.app.DeclineInvitation(r.Context(), act, chi.URLParam(r, "token"))
	if err != nil {
		s.invitationRefused(w, r, err, pages.InvitationProps{})
		return
	}
	link, text := "/login", "Sign in"
	if signedIn {
		link, text = "/", "Go to my accounts"
	}
	s.render(w, r, http.StatusOK, pages.Message(pages.MessageProps{Title: "Invitation declined",
		Body: "You declined the invitation to " + inv.AccountName + ". " + inv.InvitedByName + " (" + inv.InvitedByEmail +
			") has been told. If you change your mind, ask them to invite you again.",
		LinkHref: link, LinkText: text, SignedIn: signedIn}))
}
