package server

import (
	"errors"
	"net/http"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/web/pages"
)

// securityShow renders the account's security settings (account.security).
func (s *Server) securityShow(w http.ResponseWriter, r *http.Request) {
	view, err := s.app.SecuritySettings(r.Context(), accessHandle(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	acc := view.Account
	s.renderSecurity(w, r, http.StatusOK, pages.SecurityProps{Account: acc, LoginMethod: acc.LoginMethod,
		SSOConnectionID: acc.SSOConnectionID, Connections: view.Connections, MFARequired: acc.MFARequired,
		EnforceOnEntry: acc.EnforceOnEntry})
}

func (s *Server) renderSecurity(w http.ResponseWriter, r *http.Request, status int, p pages.SecurityProps) {
	access := currentAccess(r)
	sh, err := s.shell(r.Context(), r, "Security · "+access.Account.Name, access.User, &access)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Shell, p.Account = sh, access.Account
	if p.Connections == nil {
		view, err := s.app.SecuritySettings(r.Context(), accessHandle(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Connections = view.Connections
	}
	s.render(w, r, status, pages.Security(p))
}

// errCheckbox refuses a checkbox value a browser does not send.
var errCheckbox = errors.New("not a checkbox value")

// checkbox reads a checkbox: "on" when ticked, absent or "" when not.
func checkbox(r *http.Request, name string) (bool, error) {
	switch r.PostFormValue(name) {
	case "":
		return false, nil
	case "on":
		return true, nil
	}
	return false, errCheckbox
}

// securityUpdate changes the account's security settings (account.security). Requiring
// two-factor authentication from someone who has not set it up sends them to set it up
// first, coming back here.
func (s *Server) securityUpdate(w http.ResponseWriter, r *http.Request) {
	access := currentAccess(r)
	mfa, err1 := checkbox(r, "mfa_required")
	enforce, err2 := checkbox(r, "enforce_on_entry")
	conn, connOK := ssoConnectionField(r)
	p := pages.SecurityProps{LoginMethod: r.PostFormValue("login_method"), SSOConnectionID: conn, MFARequired: mfa,
		EnforceOnEntry: enforce, Errors: map[string]string{}}
	if !connOK {
		p.Errors["sso_connection"] = "Choose one of the connections listed."
		p.SSOConnectionID = access.Account.SSOConnectionID
		s.renderSecurity(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	if err1 != nil || err2 != nil {
		p.Errors["mfa_required"] = "Tick the box or leave it empty."
		p.LoginMethod = access.Account.LoginMethod
		s.renderSecurity(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	_, changed, err := s.app.UpdateSecurity(r.Context(), actor(r), accessHandle(r), app.SecurityInput{
		LoginMethod: p.LoginMethod, SSOConnectionID: conn, MFARequired: mfa, EnforceOnEntry: enforce})
	here := "/a/" + access.Account.Slug + "/settings/security"
	if err != nil {
		var e *domain.Error
		switch {
		case errors.Is(err, app.ErrEnrolFirst):
			s.sessions.Put(r.Context(), "notice", app.ErrEnrolFirst.Message)
			http.Redirect(w, r, twoFactorPath(here), http.StatusSeeOther)
		case errors.As(err, &e) && e.Code == domain.EINVALID:
			p.Errors[e.Field] = e.Message
			if e.Field == "login_method" {
				p.LoginMethod = access.Account.LoginMethod
			}
			s.renderSecurity(w, r, http.StatusUnprocessableEntity, p)
		default:
			s.fail(w, r, err)
		}
		return
	}
	msg := "Nothing changed."
	if changed {
		msg = "Security settings saved."
	}
	s.sessions.Put(r.Context(), "flash", msg)
	http.Redirect(w, r, here, http.StatusSeeOther)
}
