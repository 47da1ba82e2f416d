package server

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"atrium/internal/app"
	"atrium/internal/domain"
)

type requestDecision func(ctx context.Context, access app.Access, id int64) (domain.AccessRequest, error)

// accessRequestDecide runs one decision on the access request in the URL
// (members.manage): an id that is not one of this account's requests gives 404; a
// refusal re-renders the members list with its reason; success flashes and returns.
func (s *Server) accessRequestDecide(decide requestDecision, done func(domain.AccessRequest) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(chi.URLParam(r, "request"), 10, 64)
		if err != nil {
			s.fail(w, r, domain.Errorf(domain.ENOTFOUND, "Page not found."))
			return
		}
		req, err := decide(r.Context(), accessHandle(r), id)
		if err != nil {
			switch domain.ErrorCode(err) {
			case domain.EINVALID, domain.EFORBIDDEN, domain.EINVARIANT, domain.ECONFLICT:
				s.renderMembers(w, r, ErrorStatus(err), domain.ErrorMessage(err))
			default:
				s.fail(w, r, err)
			}
			return
		}
		s.sessions.Put(r.Context(), "flash", done(req))
		http.Redirect(w, r, "/a/"+currentAccess(r).Account.Slug+"/members", http.StatusSeeOther)
	}
}

// accessRequestApprove gives the requester the chosen role (members.manage).
func (s *Server) accessRequestApprove(w http.ResponseWriter, r *http.Request) {
	roleID, err := strconv.ParseInt(r.PostFormValue("role"), 10, 64)
	if err != nil {
		roleID = -1
	}
	note := r.PostFormValue("note")
	s.accessRequestDecide(func(ctx context.Context, h app.Access, id int64) (domain.AccessRequest, error) {
		return s.app.ApproveAccessRequest(ctx, actor(r), h, id, roleID, note)
	}, func(req domain.AccessRequest) string {
		return req.FullName + " now has “" + domain.PermissionLabel(req.Permission) + "”, and has been told by email."
	})(w, r)
}

// accessRequestDeny declines a request, with an optional note (members.manage).
func (s *Server) accessRequestDeny(w http.ResponseWriter, r *http.Request) {
	note := r.PostFormValue("note")
	s.accessRequestDecide(func(ctx context.Context, h app.Access, id int64) (domain.AccessRequest, error) {
		return s.app.DenyAccessRequest(ctx, actor(r), h, id, note)
	}, func(req domain.AccessRequest) string {
		return req.FullName + "'s request for “" + domain.PermissionLabel(req.Permission) + "” was denied, and they have been told by email."
	})(w, r)
}
