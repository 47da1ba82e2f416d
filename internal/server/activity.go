package server

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"atrium/web/pages"
)

// accountActivity is the account's activity log (audit.view), newest first.
func (s *Server) accountActivity(w http.ResponseWriter, r *http.Request) {
	access := currentAccess(r)
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	p, err := s.app.AccountActivity(r.Context(), accessHandle(r), before, r.URL.Query().Get("filter"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.shell(r.Context(), r, "Activity · "+access.Account.Name, access.User, &access)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.Activity(pages.ActivityProps{Shell: sh, Title: "Activity log", Events: p.Events,
		Filter: p.Filter, Next: p.Next}))
}

// orgActivity is the organisation's activity log, for its owners.
func (s *Server) orgActivity(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	o, p, err := s.app.OrganisationActivity(r.Context(), u.ID, chi.URLParam(r, "org"), before, r.URL.Query().Get("filter"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.shell(r.Context(), r, "Activity · "+o.Name, u, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.Activity(pages.ActivityProps{Shell: sh, Title: o.Name + " · Activity log", Events: p.Events,
		Filter: p.Filter, Next: p.Next, Accounts: p.AccountNames}))
}
