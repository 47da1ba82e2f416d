package server

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"atrium/web/pages"
)

// staffSetPlan changes an account's plan and seat limit.
func (s *Server) staffSetPlan(w http.ResponseWriter, r *http.Request) {
	seats, err := strconv.Atoi(r.PostFormValue("seats"))
	if err != nil {
		seats = -1
	}
	acc, err := s.app.SetPlan(r.Context(), actor(r), chi.URLParam(r, "account"), r.PostFormValue("plan"), seats)
	s.staffResult(w, r, err, func() pages.StaffProps {
		return pages.StaffProps{PlanError: errText(err), PlanAccount: chi.URLParam(r, "account")}
	}, acc.Name+" is now on the "+acc.Plan+" plan with "+strconv.Itoa(acc.SeatLimit)+" seats.")
}

// staffReopen reopens a closed account.
func (s *Server) staffReopen(w http.ResponseWriter, r *http.Request) {
	acc, err := s.app.ReopenAccount(r.Context(), actor(r), chi.URLParam(r, "account"))
	s.staffResult(w, r, err, func() pages.StaffProps {
		return pages.StaffProps{PlanError: errText(err), PlanAccount: chi.URLParam(r, "account")}
	}, acc.Name+" is open again.")
}
