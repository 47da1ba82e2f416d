package server

import (
	"net/http"
	"strconv"
	"strings"

	"atrium/internal/domain"
	"atrium/web/pages"
)

// rolesCreate adds a custom role (roles.manage); a refused form re-renders the roles
// page with its messages (422).
func (s *Server) rolesCreate(w http.ResponseWriter, r *http.Request) {
	access := currentAccess(r)
	in, err := roleInput(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	role, err := s.app.CreateRole(r.Context(), actor(r), accessHandle(r), in)
	if err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			f := roleFormOf(in)
			msg := roleFormError(&f, err)
			s.renderRoles(w, r, http.StatusUnprocessableEntity, f, msg)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "flash", "The role "+role.Name+" was created.")
	http.Redirect(w, r, "/a/"+access.Account.Slug+"/roles", http.StatusSeeOther)
}

// roleEdit is the edit page of one custom role (roles.manage). Predefined roles,
// other accounts' roles and non-numeric ids give 404.
func (s *Server) roleEdit(w http.ResponseWriter, r *http.Request) {
	s.renderRoleEdit(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderRoleEdit(w http.ResponseWriter, r *http.Request, status int, form *pages.RoleForm, formErr error) {
	access := currentAccess(r)
	id, err := roleIDParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	view, err := s.app.CustomRole(r.Context(), accessHandle(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.shell(r.Context(), r, view.Role.Name+" · Roles · "+access.Account.Name, access.User, &access)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := pages.RoleFormFrom(view.Role)
	if form != nil {
		f = *form
	}
	msg := ""
	if formErr != nil {
		if f.Errors == nil {
			f.Errors = map[string]string{}
		}
		msg = roleFormError(&f, formErr)
	}
	s.render(w, r, status, pages.RoleEdit(pages.RoleEditProps{Shell: sh, Slug: access.Account.Slug, Role: view.Role,
		Caller: access.Permissions, Choices: view.Choices, Form: f, Error: msg}))
}

// roleUpdate saves a custom role (roles.manage); a refused form re-renders the edit
// page with its messages (422).
func (s *Server) roleUpdate(w http.ResponseWriter, r *http.Request) {
	access := currentAccess(r)
	id, err := roleIDParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, err := roleInput(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	role, err := s.app.UpdateRole(r.Context(), actor(r), accessHandle(r), id, in)
	if err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			f := roleFormOf(in)
			s.renderRoleEdit(w, r, http.StatusUnprocessableEntity, &f, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "flash", "The role "+role.Name+" was saved.")
	http.Redirect(w, r, "/a/"+access.Account.Slug+"/roles", http.StatusSeeOther)
}

// roleDelete deletes a custom role (roles.manage). A role still held by members is
// refused (409) unless reassign_to names the role to move them to; refusals re-render
// the roles page with the message.
func (s *Server) roleDelete(w http.ResponseWriter, r *http.Request) {
	access := currentAccess(r)
	id, err := roleIDParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var to int64
	if v := strings.TrimSpace(r.PostFormValue("reassign_to")); v != "" {
		var ok bool
		if to, ok = parseID(v); !ok {
			to = -1
		}
	}
	role, moved, err := s.app.DeleteRole(r.Context(), actor(r), accessHandle(r), id, to)
	if err != nil {
		if c := domain.ErrorCode(err); c == domain.EINVALID || c == domain.EINVARIANT || c == domain.ECONFLICT {
			s.renderRoles(w, r, ErrorStatus(err), pages.RoleForm{}, domain.ErrorMessage(err))
			return
		}
		s.fail(w, r, err)
		return
	}
	msg := "The role " + role.Name + " was deleted."
	if moved == 1 {
		msg = "1 member moved to another role; the role " + role.Name + " was deleted."
	} else if moved > 1 {
		msg = strconv.Itoa(moved) + " members moved to another role; the role " + role.Name + " was deleted."
	}
	s.sessions.Put(r.Context(), "flash", msg)
	http.Redirect(w, r, "/a/"+access.Account.Slug+"/roles", http.StatusSeeOther)
}
