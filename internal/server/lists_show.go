package server

import (
	"net/http"
	"strconv"

	"atrium/internal/domain"
	"atrium/web/pages"
)

// listShow is one list with a page of its contacts and, for lists.edit, the rename
// and add-contact forms (lists.view). Another account's or an out-of-scope list is 404.
func (s *Server) listShow(w http.ResponseWriter, r *http.Request) {
	s.renderList(w, r, http.StatusOK, pages.WorkspaceForm{}, pages.WorkspaceForm{})
}

func (s *Server) renderList(w http.ResponseWriter, r *http.Request, status int, rename, add pages.WorkspaceForm) {
	access := currentAccess(r)
	id, err := workspaceID(r, "list")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	view, err := s.app.List(r.Context(), accessHandle(r), id, workspacePage(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.shell(r.Context(), r, view.List.Name+" · Lists", access.User, &access)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if rename.Values == nil {
		rename.Values = map[string]string{"name": view.List.Name}
	}
	href := workspaceBase(access) + "/lists/" + strconv.FormatInt(view.List.ID, 10)
	s.render(w, r, status, pages.List(pages.ListProps{Shell: sh, Base: workspaceBase(access), List: view.List,
		Contacts: view.Contacts, Pager: pages.WorkspacePager{Path: href, Page: view.Page, More: view.More},
		CanEdit: access.Permissions.Has(domain.PermListsEdit), Rename: rename, AddContact: add}))
}

// listUpdate renames a list (lists.edit).
func (s *Server) listUpdate(w http.ResponseWriter, r *http.Request) {
	access := currentAccess(r)
	id, err := workspaceID(r, "list")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l, err := s.app.RenameList(r.Context(), actor(r), accessHandle(r), id, r.PostFormValue("name"))
	if err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			s.renderList(w, r, http.StatusUnprocessableEntity, workspaceForm(r, err, "name"), pages.WorkspaceForm{})
			return
		}
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "flash", "The list is now called “"+l.Name+"”.")
	http.Redirect(w, r, workspaceBase(access)+"/lists/"+strconv.FormatInt(l.ID, 10), http.StatusSeeOther)
}

// listAddContact puts an address on a list (lists.edit); an address already there
// re-renders the form with 422.
func (s *Server) listAddContact(w http.ResponseWriter, r *http.Request) {
	access := currentAccess(r)
	id, err := workspaceID(r, "list")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, l, err := s.app.AddContact(r.Context(), actor(r), accessHandle(r), id, r.PostFormValue("email"), r.PostFormValue("full_name"))
	if err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			s.renderList(w, r, http.StatusUnprocessableEntity, pages.WorkspaceForm{}, workspaceForm(r, err, "email", "full_name"))
			return
		}
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "flash", c.Email+" was added to “"+l.Name+"”.")
	http.Redirect(w, r, workspaceBase(access)+"/lists/"+strconv.FormatInt(l.ID, 10), http.StatusSeeOther)
}
