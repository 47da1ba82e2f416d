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
	q := r.URL.Query()
	ipage, _ := strconv.Atoi(q.Get("ipage"))
	invs, err := s.app.Invitations(r.Context(), accessHandle(r), ipage)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := pages.MembersProps{Shell: sh, Access: access, Members: mp.Members, Roles: mp.Roles, Lists: mp.Lists,
		Query: mp.Query, Page: mp.Page, More: mp.More, Error: errMsg,
		CanManage:   access.Permissions.Has(domain.PermMembersManage),
		IsOwner:     access.Permissions.Has(domain.PermOwnershipTransfer),
		CanInvite:   access.Permissions.Has(domain.PermMembersInvite),
		Invitations: invs.Invitations, InvitationsPage: invs.Page, InvitationsMore: invs.More,
		PendingInvitations: invs.Pending, Now: invs.Now}
	if p.CanManage {
		rpage, _ := strconv.Atoi(q.Get("rpage"))
		reqs, err := s.app.AccessRequests(r.Context(), accessHandle(r), rpage)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.RequestsPage, p.RequestsMore = reqs.Page, reqs.More
		for _, row := range reqs.Rows {
			p.Requests = append(p.Requests, pages.AccessRequestRow{Request: row.Request, Roles: row.Roles})
		}
	}
	s.render(w, r, status, pages.Members(p))
}
