package server

import (
	"errors"
	"net/http"

	"atrium/internal/domain"
)

// accessRequestCreate asks for a permission the caller's role lacks (any member:
// account.view). The members who can grant it are emailed; the caller returns to the
// account's home page. A refused request shows the 403 page again with the reason.
func (s *Server) accessRequestCreate(w http.ResponseWriter, r *http.Request) {
	perm, reason := domain.Permission(r.PostFormValue("permission")), r.PostFormValue("reason")
	_, err := s.app.RequestAccess(r.Context(), actor(r), accessHandle(r), string(perm), reason)
	if err != nil {
		var e *domain.Error
		if !errors.As(err, &e) || e.Code != domain.EINVALID {
			s.fail(w, r, err)
			return
		}
		if e.Field == "reason" {
			s.forbidden(w, r, perm, http.StatusUnprocessableEntity, reason, e.Message)
			return
		}
		s.fail(w, r, err)
		return
	}
	access := currentAccess(r)
	s.sessions.Put(r.Context(), "flash", "Your request for “"+domain.PermissionLabel(perm)+"” went to the people who can grant it in "+
		access.Account.Name+". You will get an email with their answer.")
	http.Redirect(w, r, "/a/"+access.Account.Slug+"/", http.StatusSeeOther)
}
