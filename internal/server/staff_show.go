package server

import (
	"net/http"

	"atrium/internal/domain"
	"atrium/web/pages"
)

// staffShow renders the staff console.
func (s *Server) staffShow(w http.ResponseWriter, r *http.Request) {
	s.renderStaff(w, r, http.StatusOK, pages.StaffProps{CreateAccount: pages.StaffForm{Values: map[string]string{"account_seats": "25"}}})
}

func (s *Server) renderStaff(w http.ResponseWriter, r *http.Request, status int, p pages.StaffProps) {
	views, err := s.app.ListOrganisations(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, v := range views {
		p.Organisations = append(p.Organisations, pages.StaffOrg{Organisation: v.Organisation, Accounts: v.Accounts, OwnerCount: v.OwnerCount})
	}
	if p.FailedMail, err = s.app.FailedMail(r.Context(), actor(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Shell, err = s.shell(r.Context(), r, "Staff console", currentUser(r), nil); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, pages.Staff(p))
}

// staffForm collects the named form values, and the field error of err if any.
func staffForm(r *http.Request, err error, names ...string) pages.StaffForm {
	f := pages.StaffForm{Values: map[string]string{}, Errors: map[string]string{}}
	for _, n := range names {
		f.Values[n] = r.PostFormValue(n)
	}
	if e, ok := err.(*domain.Error); ok && e.Field != "" {
		f.Errors[e.Field] = e.Message
	}
	return f
}

// staffResult handles what a staff form's use case returned: a field error re-renders
// the console with 422, another error fails, success flashes and redirects.
func (s *Server) staffResult(w http.ResponseWriter, r *http.Request, err error, form func() pages.StaffProps, flash string) {
	if err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			s.renderStaff(w, r, http.StatusUnprocessableEntity, form())
			return
		}
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "flash", flash)
	http.Redirect(w, r, "/staff/", http.StatusSeeOther)
}

// errText is the user-facing message of err, "" for nil.
func errText(err error) string { return domain.ErrorMessage(err) }
