package server

import (
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"atrium/internal/domain"
	"atrium/web/pages"
)

// orgUserID is the {user} of the URL; a malformed id is treated as unknown.
func orgUserID(r *http.Request) (int64, error) {
	id, ok := parseID(chi.URLParam(r, "user"))
	if !ok {
		return 0, domain.Errorf(domain.ENOTFOUND, "Page not found.")
	}
	return id, nil
}

// orgUserShow is one user's page in the organisation (owners only; a user not listed
// in this organisation gives 404): ?tab=access (default) or ?tab=organisation.
func (s *Server) orgUserShow(w http.ResponseWriter, r *http.Request) {
	s.renderOrgUser(w, r, http.StatusOK, r.URL.Query().Get("tab"), "", 0, 0)
}

func (s *Server) renderOrgUser(w http.ResponseWriter, r *http.Request, status int, tab, errMsg string, grantAccount, grantRole int64) {
	userID, err := orgUserID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	view, err := s.app.OrgUser(r.Context(), actor(r), chi.URLParam(r, "org"), userID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.shell(r.Context(), r, view.User.FullName+" · "+view.Organisation.Name, currentUser(r), nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if tab != pages.OrgUserTabOrganisation {
		tab = pages.OrgUserTabAccess
	}
	p := pages.OrgUserProps{Shell: sh, Organisation: view.Organisation, User: view.User, Tab: tab, Grants: view.Grants,
		Accounts: view.Accounts, Error: errMsg, GrantAccountID: grantAccount, GrantRoleID: grantRole}
	p.RoleGroups = roleGroups(view.Accounts, view.Roles)
	for _, o := range view.OwnerRoles {
		p.OwnerRoles = append(p.OwnerRoles, pages.OrgOwnerRoleRow{Organisation: o.Organisation, Owner: o.Owner})
	}
	s.render(w, r, status, pages.OrgUser(p))
}

// orgUserResult finishes a change on a user's page: refusals (a rule or a wrong
// choice) re-render the page with the reason and their status; unknown users or
// organisations fail with 404; success flashes and goes back to the tab.
func (s *Server) orgUserResult(w http.ResponseWriter, r *http.Request, err error, tab, flash string, grantAccount, grantRole int64) {
	if err != nil {
		switch domain.ErrorCode(err) {
		case domain.EINVALID, domain.EINVARIANT, domain.ECONFLICT, domain.EFORBIDDEN:
			s.renderOrgUser(w, r, ErrorStatus(err), tab, domain.ErrorMessage(err), grantAccount, grantRole)
		default:
			s.fail(w, r, err)
		}
		return
	}
	s.sessions.Put(r.Context(), "flash", flash)
	target := "/org/" + chi.URLParam(r, "org") + "/users/" + chi.URLParam(r, "user")
	if tab == pages.OrgUserTabOrganisation {
		target += "?tab=" + tab
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// formID reads a positive id from the form; anything else is 0 (refused downstream).
func formID(r *http.Request, name string) int64 {
	id, _ := parseID(r.PostFormValue(name))
	return id
}

// formTab reads the tab a form on a user's page was sent from: "" or one of the page's
// tabs; anything else is refused (EINVALID) before the change is made.
func formTab(r *http.Request) (string, error) {
	switch tab := r.PostFormValue("tab"); tab {
	case "", pages.OrgUserTabAccess, pages.OrgUserTabOrganisation:
		return tab, nil
	}
	return "", domain.FieldError("tab", "That form was sent from a tab this page does not have.")
}

// orgUserGrant gives the user a role in one of the organisation's accounts ("+").
func (s *Server) orgUserGrant(w http.ResponseWriter, r *http.Request) {
	userID, err := orgUserID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	accountID, roleID := formID(r, "account"), formID(r, "role")
	g, err := s.app.GrantOrgUserAccess(r.Context(), actor(r), chi.URLParam(r, "org"), userID, accountID, roleID)
	flash := g.User.Email + " now has access to " + g.Account.Name + " as " + g.Role.Name + "."
	if g.PreviousRole != "" {
		flash = g.User.Email + " already had access to " + g.Account.Name + "; their role changed from " + g.PreviousRole + " to " + g.Role.Name + "."
	}
	s.orgUserResult(w, r, err, pages.OrgUserTabAccess, flash, accountID, roleID)
}

// orgUserRevoke ends the user's access to one of the organisation's accounts.
func (s *Server) orgUserRevoke(w http.ResponseWriter, r *http.Request) {
	userID, err := orgUserID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	g, err := s.app.RevokeOrgUserAccess(r.Context(), actor(r), chi.URLParam(r, "org"), userID, formID(r, "account"))
	s.orgUserResult(w, r, err, pages.OrgUserTabAccess, "Access to "+g.AccountName+" removed.", 0, 0)
}

// orgUserAddOwner makes the user an owner of one of the actor's organisations.
func (s *Server) orgUserAddOwner(w http.ResponseWriter, r *http.Request) {
	userID, err := orgUserID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.app.AddOrgUserOwner(r.Context(), actor(r), chi.URLParam(r, "org"), userID, r.PostFormValue("organisation"))
	s.orgUserResult(w, r, err, pages.OrgUserTabOrganisation, "Added the owner role of "+o.Name+".", 0, 0)
}

// orgUserRemoveOwner takes the owner role of one of the actor's organisations from the
// user; never the last owner. Removing one's own role here leaves the organisation.
func (s *Server) orgUserRemoveOwner(w http.ResponseWriter, r *http.Request) {
	userID, err := orgUserID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	slug := chi.URLParam(r, "org")
	o, err := s.app.RemoveOrgUserOwner(r.Context(), actor(r), slug, userID, r.PostFormValue("organisation"))
	if err == nil && userID == currentUser(r).ID && o.Slug == slug {
		s.sessions.Put(r.Context(), "flash", "You are no longer an owner of "+o.Name+".")
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.orgUserResult(w, r, err, pages.OrgUserTabOrganisation, "Removed the owner role of "+o.Name+".", 0, 0)
}

// orgUserRemove takes the user out of the organisation: all their access to its
// accounts and their owner role here end at once.
func (s *Server) orgUserRemove(w http.ResponseWriter, r *http.Request) {
	userID, err := orgUserID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tab, err := formTab(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	slug := chi.URLParam(r, "org")
	u, err := s.app.RemoveOrgUser(r.Context(), actor(r), slug, userID)
	if err != nil {
		s.orgUserResult(w, r, err, tab, "", 0, 0)
		return
	}
	s.sessions.Put(r.Context(), "flash", u.Email+" was removed from the organisation.")
	if userID == currentUser(r).ID {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/org/"+slug+"/users", http.StatusSeeOther)
}

// orgUserEndSessions signs the user out of every session they have open.
func (s *Server) orgUserEndSessions(w http.ResponseWriter, r *http.Request) {
	userID, err := orgUserID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tab, err := formTab(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, n, err := s.app.EndOrgUserSessions(r.Context(), actor(r), chi.URLParam(r, "org"), userID)
	if err == nil && userID == currentUser(r).ID {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.orgUserResult(w, r, err, tab, fmt.Sprintf("%s is signed out everywhere (%s).", u.Email, plural(n, "session ended", "sessions ended")), 0, 0)
}

// orgUserDisable disables a user the organisation manages: every request of theirs is
// refused from the next one, and they cannot sign in.
func (s *Server) orgUserDisable(w http.ResponseWriter, r *http.Request) {
	s.orgUserSetDisabled(w, r, true)
}

// orgUserEnable lets a disabled user the organisation manages sign in again.
func (s *Server) orgUserEnable(w http.ResponseWriter, r *http.Request) {
	s.orgUserSetDisabled(w, r, false)
}

func (s *Server) orgUserSetDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	userID, err := orgUserID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tab, err := formTab(r)
	if err != nil {
		s.orgUserResult(w, r, err, tab, "", 0, 0)
		return
	}
	u, err := s.app.SetOrgUserDisabled(r.Context(), actor(r), chi.URLParam(r, "org"), userID, disabled)
	flash := u.Email + " is disabled: they cannot sign in, and their sessions have ended."
	if !disabled {
		flash = u.Email + " can sign in again."
	}
	s.orgUserResult(w, r, err, tab, flash, 0, 0)
}
