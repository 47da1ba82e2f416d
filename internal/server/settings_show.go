package server

import (
	"net/http"

	"atrium/internal/domain"
	"atrium/web/pages"
)

// settingsShow renders the account's settings (account.view); the close form shows
// to the owner only.
func (s *Server) settingsShow(w http.ResponseWriter, r *http.Request) {
	s.renderSettings(w, r, http.StatusOK, "")
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, status int, confirmErr string) {
	access := currentAccess(r)
	view, err := s.app.Settings(r.Context(), accessHandle(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.shell(r.Context(), r, "Settings · "+access.Account.Name, access.User, &access)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, pages.Settings(pages.SettingsProps{Shell: sh, Access: access, OwnerEmail: view.OwnerEmail,
		CanClose: view.CanClose, CanSecurity: view.CanSecurity, ConfirmError: confirmErr, CanLeave: view.CanLeave}))
}

// accountClose closes the account (account.close: the owner only).
func (s *Server) accountClose(w http.ResponseWriter, r *http.Request) {
	access := currentAccess(r)
	if err := s.app.CloseAccount(r.Context(), actor(r), accessHandle(r), r.PostFormValue("confirm")); err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			s.renderSettings(w, r, http.StatusUnprocessableEntity, domain.ErrorMessage(err))
			return
		}
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "notice", access.Account.Name+" has been closed.")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
