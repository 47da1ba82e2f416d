package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/web/pages"
)

// rolesList is the roles page: predefined roles read-only, then the account's custom
// roles; callers holding roles.manage also get the create, edit and delete forms.
func (s *Server) rolesList(w http.ResponseWriter, r *http.Request) {
	s.renderRoles(w, r, http.StatusOK, pages.RoleForm{}, "")
}

func (s *Server) renderRoles(w http.ResponseWriter, r *http.Request, status int, form pages.RoleForm, errMsg string) {
	access := currentAccess(r)
	view, err := s.app.Roles(r.Context(), accessHandle(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.shell(r.Context(), r, "Roles · "+access.Account.Name, access.User, &access)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, pages.Roles(pages.RolesProps{Shell: sh, Slug: access.Account.Slug, Predefined: view.Predefined,
		Custom: view.Custom, CanManage: view.CanManage, Caller: access.Permissions, Choices: view.Choices, Form: form,
		Error: errMsg, Reassign: view.Reassign}))
}

// roleInput reads the create and edit role form. A body that fails to parse is an
// error, never an empty scope (which would mean "all lists").
func roleInput(r *http.Request) (app.RoleInput, error) {
	if err := r.ParseForm(); err != nil {
		return app.RoleInput{}, errBadForm
	}
	return app.RoleInput{Name: r.PostForm.Get("name"), Permissions: r.PostForm["permissions"],
		Lists: r.PostForm["lists"], Campaigns: r.PostForm["campaigns"]}, nil
}

// roleFormOf turns submitted input back into form values for a re-render.
func roleFormOf(in app.RoleInput) pages.RoleForm {
	f := pages.RoleForm{Name: in.Name, Permissions: map[domain.Permission]bool{}, Lists: map[int64]bool{},
		Campaigns: map[int64]bool{}, Errors: map[string]string{}}
	for _, p := range in.Permissions {
		f.Permissions[domain.Permission(p)] = true
	}
	for _, v := range in.Lists {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			f.Lists[id] = true
		}
	}
	for _, v := range in.Campaigns {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			f.Campaigns[id] = true
		}
	}
	return f
}

// roleFormError puts err on its form field, or returns it as the page's message when
// it belongs to no field of the role form.
func roleFormError(f *pages.RoleForm, err error) string {
	field := ""
	var e *domain.Error
	if errors.As(err, &e) {
		field = e.Field
	}
	switch field {
	case "name", "permissions", "scope":
		f.Errors[field] = domain.ErrorMessage(err)
		return ""
	}
	return domain.ErrorMessage(err)
}

// roleIDParam reads the role id from the URL; anything but a positive number is 404.
func roleIDParam(r *http.Request) (int64, error) {
	id, ok := parseID(chi.URLParam(r, "role"))
	if !ok {
		return 0, domain.Errorf(domain.ENOTFOUND, "Page not found.")
	}
	return id, nil
}
