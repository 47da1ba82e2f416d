package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/web/pages"
)

// orgUsersList is the organisation's Users page (owners only; others get 404):
// ?q= searches by name or email, ?page= pages by 50.
func (s *Server) orgUsersList(w http.ResponseWriter, r *http.Request) {
	s.renderOrgUsers(w, r, http.StatusOK, pages.OrgUserCreateForm{})
}

func (s *Server) renderOrgUsers(w http.ResponseWriter, r *http.Request, status int, form pages.OrgUserCreateForm) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	view, err := s.app.OrgUsers(r.Context(), actor(r), chi.URLParam(r, "org"), q.Get("q"), page)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.shell(r.Context(), r, "Users · "+view.Organisation.Name, currentUser(r), nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if form.RoleID == 0 {
		form.RoleID = domain.ViewerRoleID
	}
	s.render(w, r, status, pages.OrgUsers(pages.OrgUsersProps{Shell: sh, Organisation: view.Organisation, Users: view.Users,
		Query: view.Query, Page: view.Page, More: view.More, Create: form, Accounts: view.Accounts,
		RoleGroups: roleGroups(view.Accounts, view.Roles), Invitations: view.Invitations,
		MoreInvitations: view.MoreInvitations, MessageMax: app.MessageMax}))
}

// orgUsersCreate answers "+ Create a new user" with an invitation to the chosen
// account: nobody is created until the invitee accepts, and the owner never holds a
// link or password for them. An email already in use re-renders the form (422) saying
// "Sorry, that user already exists": a user listed here can be opened; anyone else can
// be invited (the form posts again with invite_existing), to accept or decline.
func (s *Server) orgUsersCreate(w http.ResponseWriter, r *http.Request) {
	slug := chi.URLParam(r, "org")
	form := pages.OrgUserCreateForm{FirstName: r.PostFormValue("first_name"), LastName: r.PostFormValue("last_name"),
		Email: r.PostFormValue("email"), Message: r.PostFormValue("message")}
	form.AccountID, _ = strconv.ParseInt(r.PostFormValue("account"), 10, 64)
	if id, err := strconv.ParseInt(r.PostFormValue("role"), 10, 64); err == nil {
		form.RoleID = id
	} else {
		form.RoleID = -1
	}
	res, err := s.app.InviteOrgUser(r.Context(), actor(r), slug, app.OrgInviteInput{
		InviteInput: app.InviteInput{FirstName: form.FirstName, LastName: form.LastName, Email: form.Email,
			RoleID: form.RoleID, Message: form.Message},
		AccountID: form.AccountID, InviteExisting: r.PostFormValue("invite_existing") == "1"})
	if err != nil {
		var e *domain.Error
		if !errors.As(err, &e) || (e.Code != domain.EINVALID && e.Code != domain.ETOOMANY && e.Code != domain.EFORBIDDEN) {
			s.fail(w, r, err)
			return
		}
		form.Open, form.Existing, form.InOrganisation, form.Account = true, res.Existing, res.InOrganisation, res.Account
		switch e.Field {
		case "first_name":
			form.FirstNameError = e.Message
		case "last_name":
			form.LastNameError = e.Message
		case "email":
			if res.Existing == nil { // an existing user is explained above the form
				form.EmailError = e.Message
			}
		case "account":
			form.AccountError = e.Message
		case "role":
			form.RoleError = e.Message
		case "message":
			form.MessageError = e.Message
		default:
			form.Error = e.Message
		}
		setRetryAfter(w, err)
		s.renderOrgUsers(w, r, ErrorStatus(err), form)
		return
	}
	inv := res.Invitation
	s.sessions.Put(r.Context(), "flash", "Invitation sent to "+inv.Email+" for "+inv.AccountName+" as "+inv.RoleName+
		". They become a user here when they accept.")
	http.Redirect(w, r, "/org/"+slug+"/users", http.StatusSeeOther)
}

// roleGroups groups roles for a dropdown: the predefined ones, then each account's
// custom roles under its name.
func roleGroups(accounts []domain.Account, roles []domain.Role) []pages.OrgRoleGroup {
	names := map[int64]string{}
	for _, a := range accounts {
		names[a.ID] = a.Name
	}
	var out []pages.OrgRoleGroup
	for _, role := range roles {
		label := "Roles"
		if !role.Predefined() {
			label = "Custom roles of " + names[role.AccountID] + " (only for " + names[role.AccountID] + ")"
		}
		if n := len(out); n == 0 || out[n-1].Label != label {
			out = append(out, pages.OrgRoleGroup{Label: label})
		}
		g := &out[len(out)-1]
		g.Roles = append(g.Roles, role)
	}
	return out
}
