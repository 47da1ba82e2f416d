package server

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"atrium/internal/app"
	"atrium/internal/domain"
)

type memberAction func(ctx context.Context, actor app.Actor, access app.Access, userID int64) (domain.Member, error)

// memberActionHandler runs one members-list action on the user in the URL. A user id
// that is not a member of this account (or not a number) gives 404; a refused change
// re-renders the list with its message.
func (s *Server) memberActionHandler(act memberAction, done string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		userID, ok := parseID(chi.URLParam(r, "user"))
		if !ok {
			s.fail(w, r, domain.Errorf(domain.ENOTFOUND, "Page not found."))
			return
		}
		m, err := act(r.Context(), actor(r), accessHandle(r), userID)
		if err != nil {
			if c := domain.ErrorCode(err); c == domain.EINVALID || c == domain.EINVARIANT || c == domain.ECONFLICT || c == domain.EFORBIDDEN {
				s.renderMembers(w, r, ErrorStatus(err), domain.ErrorMessage(err))
				return
			}
			s.fail(w, r, err)
			return
		}
		s.sessions.Put(r.Context(), "flash", m.FullName+" "+done)
		http.Redirect(w, r, "/a/"+currentAccess(r).Account.Slug+"/members", http.StatusSeeOther)
	}
}

// membersChangeRole gives a member another role (members.manage).
func (s *Server) membersChangeRole(w http.ResponseWriter, r *http.Request) {
	roleID, ok := parseID(r.PostFormValue("role"))
	if !ok {
		roleID = -1
	}
	s.memberActionHandler(func(ctx context.Context, a app.Actor, acc app.Access, userID int64) (domain.Member, error) {
		return s.app.ChangeRole(ctx, a, acc, userID, roleID)
	}, "has a new role.")(w, r)
}

// membersDeactivate deactivates a member (members.manage).
func (s *Server) membersDeactivate(w http.ResponseWriter, r *http.Request) {
	s.memberActionHandler(s.app.Deactivate, "is deactivated and has lost access.")(w, r)
}

// membersReactivate reactivates a member (members.manage).
func (s *Server) membersReactivate(w http.ResponseWriter, r *http.Request) {
	s.memberActionHandler(s.app.Reactivate, "is active again.")(w, r)
}

// membersRemove removes a member for good (members.manage).
func (s *Server) membersRemove(w http.ResponseWriter, r *http.Request) {
	s.memberActionHandler(s.app.Remove, "has been removed.")(w, r)
}

// membersTransfer makes a member the owner (account.transfer: the owner only).
func (s *Server) membersTransfer(w http.ResponseWriter, r *http.Request) {
	s.memberActionHandler(s.app.TransferOwnership, "is now the owner.")(w, r)
}

// membersScope limits a List manager to chosen lists (members.manage).
func (s *Server) membersScope(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errBadForm)
		return
	}
	var ids []int64
	for _, v := range r.PostForm["list"] {
		id, ok := parseID(v)
		if !ok {
			s.fail(w, r, domain.Errorf(domain.ENOTFOUND, "Page not found."))
			return
		}
		ids = append(ids, id)
	}
	s.memberActionHandler(func(ctx context.Context, a app.Actor, acc app.Access, userID int64) (domain.Member, error) {
		return s.app.LimitToLists(ctx, a, acc, userID, ids)
	}, "now reaches the chosen lists.")(w, r)
}
