package server

import (
	"net/http"
	"strconv"

	"atrium/internal/domain"
	"atrium/web/pages"
)

// listsList is the account's lists with their kept contact counts (lists.view).
func (s *Server) listsList(w http.ResponseWriter, r *http.Request) {
	s.renderLists(w, r, http.StatusOK, pages.WorkspaceForm{})
}

func (s *Server) renderLists(w http.ResponseWriter, r *http.Request, status int, form pages.WorkspaceForm) {
	access := currentAccess(r)
	view, err := s.app.Lists(r.Context(), accessHandle(r), workspacePage(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.shell(r.Context(), r, "Lists · "+access.Account.Name, access.User, &access)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := workspaceBase(access)
	s.render(w, r, status, pages.Lists(pages.ListsProps{Shell: sh, Base: base, Lists: view.Lists,
		Pager:     pages.WorkspacePager{Path: base + "/lists", Page: view.Page, More: view.More},
		CanCreate: view.CanCreate, Scoped: view.Scoped, Create: form}))
}

// listsCreate adds an empty list (lists.edit) and opens it.
func (s *Server) listsCreate(w http.ResponseWriter, r *http.Request) {
	access := currentAccess(r)
	l, err := s.app.CreateList(r.Context(), actor(r), accessHandle(r), r.PostFormValue("name"))
	if err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			s.renderLists(w, r, http.StatusUnprocessableEntity, workspaceForm(r, err, "name"))
			return
		}
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "flash", "List “"+l.Name+"” created.")
	http.Redirect(w, r, workspaceBase(access)+"/lists/"+strconv.FormatInt(l.ID, 10), http.StatusSeeOther)
}
