package server

import (
	"net/http"
	"strconv"

	"atrium/internal/domain"
	"atrium/web/pages"
)

// membersList renders the account's members list (members.view).
func (s *Server) membersList(w http.ResponseWriter, r *http.Request) {
	s.renderMembers(w, r, http.StatusOK, "")
}

func (s *Server) renderMembers(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
	access := currentAccess(r)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	mp, err := s.app.Members(r.Context(), accessHandle(r), r.URL.Query().Get("q"), page)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.shell(r.Context(), r, "Members · "+access.Account.Name, access.User, &access)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, pages.Members(pages.MembersProps{Shell: sh, Access: access, Members: mp.Members, Roles: mp.Roles, Lists: mp.Lists,
		Query: mp.Query, Page: mp.Page, More: mp.More, Error: errMsg,
		CanManage: access.Permissions.Has(domain.PermMembersManage),
		IsOwner:   access.Permissions.Has(domain.PermOwnershipTransfer)}))
}
