package server

import (
	"net/http"
	"strconv"
	"strings"

	"atrium/internal/app"
	"atrium/web/pages"
)

// staffCreateOrganisation creates an organisation.
func (s *Server) staffCreateOrganisation(w http.ResponseWriter, r *http.Request) {
	o, err := s.app.CreateOrganisation(r.Context(), actor(r), r.PostFormValue("org_name"), r.PostFormValue("org_slug"))
	s.staffResult(w, r, err, func() pages.StaffProps {
		return pages.StaffProps{CreateOrg: staffForm(r, err, "org_name", "org_slug")}
	}, "Organisation "+o.Name+" created. Appoint its first owner next.")
}

// staffCreateAccount creates an account with its owner (created when missing).
func (s *Server) staffCreateAccount(w http.ResponseWriter, r *http.Request) {
	in := app.NewAccountInput{OrganisationSlug: r.PostFormValue("account_org"), Name: r.PostFormValue("account_name"),
		Slug: r.PostFormValue("account_slug"), Plan: r.PostFormValue("account_plan"),
		OwnerEmail: r.PostFormValue("account_owner_email"), OwnerName: r.PostFormValue("account_owner_name")}
	var err error
	if v := strings.TrimSpace(r.PostFormValue("account_seats")); v != "" {
		if in.SeatLimit, err = strconv.Atoi(v); err != nil || in.SeatLimit < 1 {
			in.SeatLimit = -1
		}
	}
	in.ConfirmOwnerID = formID(r, "confirm_user")
	acc, inv, err := s.app.CreateAccount(r.Context(), actor(r), in)
	form := func() pages.StaffProps {
		return pages.StaffProps{CreateAccount: staffForm(r, err, "account_org", "account_name", "account_slug", "account_plan",
			"account_seats", "account_owner_email", "account_owner_name")}
	}
	if inv.Existing != nil {
		p := form()
		p.Confirm = &pages.StaffConfirm{Facts: *inv.Existing, Action: "/staff/accounts", Form: p.CreateAccount,
			What: "make them the owner of the new account " + r.PostFormValue("account_name") + " in", OrgSlug: r.PostFormValue("account_org")}
		s.renderStaff(w, r, http.StatusOK, p)
		return
	}
	s.staffResult(w, r, err, form, "Account "+acc.Name+" created, owned by "+inv.User.Email+"."+emailedNote(inv))
}

// staffAppointOwner makes a user an organisation owner (created when missing).
func (s *Server) staffAppointOwner(w http.ResponseWriter, r *http.Request) {
	inv, err := s.app.AppointOrganisationOwner(r.Context(), actor(r), r.PostFormValue("owner_org"),
		r.PostFormValue("owner_email"), r.PostFormValue("owner_name"), formID(r, "confirm_user"))
	form := func() pages.StaffProps {
		return pages.StaffProps{AppointOwner: staffForm(r, err, "owner_org", "owner_email", "owner_name")}
	}
	if inv.Existing != nil {
		p := form()
		p.Confirm = &pages.StaffConfirm{Facts: *inv.Existing, Action: "/staff/owners", Form: p.AppointOwner,
			What: "make them an owner of the organisation", OrgSlug: r.PostFormValue("owner_org")}
		s.renderStaff(w, r, http.StatusOK, p)
		return
	}
	s.staffResult(w, r, err, form, inv.User.Email+" is now an owner of the organisation."+emailedNote(inv))
}

// staffUnlockSignIn forgets an email's failed password attempts.
func (s *Server) staffUnlockSignIn(w http.ResponseWriter, r *http.Request) {
	err := s.app.UnlockSignIn(r.Context(), actor(r), r.PostFormValue("unlock_email"))
	s.staffResult(w, r, err, func() pages.StaffProps {
		return pages.StaffProps{UnlockSignIn: staffForm(r, err, "unlock_email")}
	}, "Password sign-in unlocked for "+app.NormaliseEmail(r.PostFormValue("unlock_email"))+".")
}

// emailedNote tells staff that a new user was emailed their set-password link; staff
// never see the link itself.
func emailedNote(inv app.Invited) string {
	if !inv.Emailed {
		return ""
	}
	return " A link to set their password was emailed to " + inv.User.Email + "."
}
