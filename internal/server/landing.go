package server

import (
	"net/http"

	"atrium/web/pages"
)

// landing sends a signed-in user to their favourite account, to the fallback with a
// notice when the favourite can no longer be entered, or to a page saying they have no
// account left.
func (s *Server) landing(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	land, err := s.app.Landing(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if land.None {
		body := "You do not have access to any account yet. Ask an administrator to invite you."
		title := "No accounts yet"
		if land.FellBack {
			title = "Access revoked"
			body = "Your access to your accounts has been revoked. If that is a mistake, contact the account's owner or administrator."
		}
		if u.IsStaff {
			http.Redirect(w, r, "/staff/", http.StatusSeeOther)
			return
		}
		s.render(w, r, http.StatusOK, pages.Message(pages.MessageProps{Title: title, Body: body,
			LinkHref: "/profile", LinkText: "Your profile", SignedIn: true}))
		return
	}
	if land.FellBack {
		s.sessions.Put(r.Context(), "notice", "You no longer have access to your favourite account, so you are in "+
			land.Entry.AccountName+". Choose a new favourite in your profile.")
	}
	http.Redirect(w, r, "/a/"+land.Entry.AccountSlug+"/", http.StatusSeeOther)
}
