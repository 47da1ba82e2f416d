package app

import (
	"context"
	"slices"

	"atrium/internal/domain"
	"atrium/internal/mail"
	"atrium/internal/store"
)

// Access requests: a member who lacks a permission asks for it from the 403 page; the
// account's members who could grant it are emailed and see the request on the members
// list; one of them approves, choosing a role that holds the member's permissions plus
// the one asked for (never above their own), or denies; the member is emailed either
// way.

// maxApprovers bounds how many members one request emails.
const maxApprovers = 25

// Requestable reports whether p is a permission a member may ask for: one of the
// catalogue that a role other than Owner can hold.
func Requestable(p domain.Permission) bool {
	_, unknown := domain.ParsePermissions([]string{string(p)})
	return unknown == "" && !slices.Contains(domain.OwnerOnly, p)
}

// OpenRequest returns the actor's open request for p in the account, or ENOTFOUND. Any
// member may ask (the handle proves membership).
func (a *App) OpenRequest(ctx context.Context, h Access, p domain.Permission) (domain.AccessRequest, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.AccessRequest{}, err
	}
	return a.store.OpenAccessRequestFor(ctx, access.Account.ID, access.User.ID, p)
}

// RequestAccess records that the actor asks for the permission named perm in the
// account, with an optional reason (short plain text), and emails the members who
// could grant it (approvers). Refused with EINVALID for a permission that cannot be
// asked for, one the actor already holds, a second open request for the same
// permission, and for organisation owners who enter without a membership. Audited.
func (a *App) RequestAccess(ctx context.Context, actor Actor, h Access, perm, reason string) (domain.AccessRequest, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.AccessRequest{}, err
	}
	p := domain.Permission(perm)
	switch {
	case !Requestable(p):
		return domain.AccessRequest{}, domain.FieldError("permission", "That is not a permission you can ask for.")
	case access.Permissions.Has(p):
		return domain.AccessRequest{}, domain.FieldError("permission", "Your role already includes “"+domain.PermissionLabel(p)+"”.")
	case access.MembershipStatus != domain.MembershipActive:
		return domain.AccessRequest{}, domain.FieldError("permission", "You enter "+access.Account.Name+" as an owner of "+
			access.Organisation.Name+", not as a member; there is no role of yours to change.")
	}
	if reason, err = cleanMessage("reason", reason); err != nil {
		return domain.AccessRequest{}, err
	}
	var req domain.AccessRequest
	err = a.tx(ctx, func(tx *store.Tx) error {
		acc, err := tx.LockAccount(ctx, access.Account.ID)
		if err != nil {
			return err
		}
		if open, err := tx.OpenAccessRequestFor(ctx, acc.ID, actor.UserID, p); err == nil {
			return domain.FieldError("permission", "You asked for “"+domain.PermissionLabel(p)+"” on "+mail.When(open.CreatedAt)+
				"; the request is waiting for an administrator.")
		} else if !store.IsNotFound(err) {
			return err
		}
		id, err := tx.InsertAccessRequest(ctx, acc.ID, actor.UserID, p, reason, access.RoleName, a.now())
		if err != nil {
			return err
		}
		if req, err = tx.LockAccessRequest(ctx, acc.ID, id); err != nil {
			return err
		}
		approvers, err := approvers(ctx, tx, acc.ID, p)
		if err != nil {
			return err
		}
		for _, m := range approvers {
			msg := mail.AccessRequest(mail.RequestFacts{To: m.Email, ApproverName: m.FullName, RequesterName: access.User.FullName,
				RequesterEmail: access.User.Email, RoleName: access.RoleName, Permission: domain.PermissionLabel(p), Reason: reason,
				AccountID: acc.ID, AccountName: acc.Name, ReviewLink: a.baseURL + "/a/" + acc.Slug + "/members#access-requests"})
			if _, err := a.mail.Enqueue(ctx, tx, msg); err != nil {
				return err
			}
		}
		return audit(ctx, tx, actor, "Members > Request access > "+actor.Email+" ("+string(p)+")", actor.Email, acc.ID, acc.OrganisationID)
	})
	return req, err
}

// approvers are the active members of the account who could grant p: holders of
// members.manage whose reach covers p everywhere (the owner first), at most
// maxApprovers of them.
func approvers(ctx context.Context, tx *store.Tx, accountID int64, p domain.Permission) ([]domain.Member, error) {
	var predefined []int64
	for _, r := range domain.PredefinedRoles {
		if slices.Contains(r.Permissions, domain.PermMembersManage) && slices.Contains(r.Permissions, p) {
			predefined = append(predefined, r.ID)
		}
	}
	candidates, err := tx.ManagersOf(ctx, accountID, predefined, p, maxApprovers)
	if err != nil {
		return nil, err
	}
	asked := unlimited(domain.NewPermissionSet([]domain.Permission{p}))
	var out []domain.Member
	for _, m := range candidates {
		r, err := memberReach(ctx, tx, accountID, m)
		if err != nil {
			return nil, err
		}
		if r.covers(asked, "grant", string(p)) == nil {
			out = append(out, m)
		}
	}
	return out, nil
}

// AccessRequestRow is one open request on the members list, with the roles the caller
// may approve it with.
type AccessRequestRow struct {
	Request domain.AccessRequest
	// Roles hold the requester's current permissions plus the one asked for and lie
	// within the caller's reach (none: the caller cannot approve it).
	Roles []domain.Role
}

// AccessRequestsPage is one page of the account's open access requests.
type AccessRequestsPage struct {
	Rows []AccessRequestRow
	Page int
	More bool
}

// AccessRequests lists one page of the account's open requests, oldest first. Needs
// members.manage.
func (a *App) AccessRequests(ctx context.Context, h Access, page int) (AccessRequestsPage, error) {
	access, err := a.open(h)
	if err != nil {
		return AccessRequestsPage{}, err
	}
	if !access.Permissions.Has(domain.PermMembersManage) {
		return AccessRequestsPage{}, forbidden(domain.PermMembersManage)
	}
	if page < 1 {
		page = 1
	}
	reqs, err := a.store.OpenAccessRequests(ctx, access.Account.ID, page)
	if err != nil {
		return AccessRequestsPage{}, err
	}
	out := AccessRequestsPage{Page: page}
	if len(reqs) > store.AccessRequestsPageSize {
		reqs, out.More = reqs[:store.AccessRequestsPageSize], true
	}
	if len(reqs) == 0 {
		return out, nil
	}
	caller, err := a.callerReach(ctx, access)
	if err != nil {
		return out, err
	}
	roles, err := a.store.RolesOfAccount(ctx, access.Account.ID)
	if err != nil {
		return out, err
	}
	for _, req := range reqs {
		row := AccessRequestRow{Request: req}
		if i := slices.IndexFunc(roles, func(r domain.Role) bool { return r.ID == req.RoleID }); i >= 0 {
			for _, r := range roles {
				if qualifies(r, roles[i], req.Permission) && canGrant(caller, r) == nil {
					row.Roles = append(row.Roles, r)
				}
			}
		}
		// The least powerful first: the one a form submits unless the approver picks another.
		slices.SortStableFunc(row.Roles, func(a, b domain.Role) int { return len(a.Permissions) - len(b.Permissions) })
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

// qualifies reports whether role holds every permission of current plus p.
func qualifies(role, current domain.Role, p domain.Permission) bool {
	has := domain.NewPermissionSet(role.Permissions)
	if !has.Has(p) {
		return false
	}
	for _, q := range current.Permissions {
		if !has.Has(q) {
			return false
		}
	}
	return true
}

// decideRequest runs one decision on an open request of the caller's account: it
// checks members.manage, locks the account and the request (ENOTFOUND for another
// account's), refuses a decided one, runs fn, emails the requester and writes the
// audit event fn names.
func (a *App) decideRequest(ctx context.Context, actor Actor, h Access, id int64, note string,
	fn func(tx *store.Tx, acc domain.Account, req domain.AccessRequest, caller reach, note string) (mail.DecisionFacts, string, error)) (domain.AccessRequest, error) {
	access, err := a.open(h)
	if err != nil {
		return domain.AccessRequest{}, err
	}
	if !access.Permissions.Has(domain.PermMembersManage) {
		return domain.AccessRequest{}, forbidden(domain.PermMembersManage)
	}
	if note, err = cleanMessage("note", note); err != nil {
		return domain.AccessRequest{}, err
	}
	caller, err := a.callerReach(ctx, access)
	if err != nil {
		return domain.AccessRequest{}, err
	}
	var req domain.AccessRequest
	err = a.tx(ctx, func(tx *store.Tx) error {
		acc, err := tx.LockAccount(ctx, access.Account.ID)
		if err != nil {
			return err
		}
		if req, err = tx.LockAccessRequest(ctx, acc.ID, id); err != nil {
			return domain.Errorf(domain.ENOTFOUND, "That request is not part of this account.")
		}
		if req.Status != domain.AccessRequestOpen {
			return domain.Errorf(domain.EINVALID, "%s's request for “%s” was already %s by %s.", req.FullName,
				domain.PermissionLabel(req.Permission), req.Status, req.DecidedByName)
		}
		facts, action, err := fn(tx, acc, req, caller, note)
		if err != nil {
			return err
		}
		facts.To, facts.Name, facts.DeciderName, facts.DeciderEmail = req.Email, req.FullName, access.User.FullName, access.User.Email
		facts.Permission, facts.AccountID, facts.AccountName = domain.PermissionLabel(req.Permission), acc.ID, acc.Name
		facts.Note, facts.AccountLink = note, a.baseURL+"/a/"+acc.Slug+"/"
		if _, err := a.mail.Enqueue(ctx, tx, mail.AccessDecision(facts)); err != nil {
			return err
		}
		return audit(ctx, tx, actor, action, req.Email, acc.ID, acc.OrganisationID)
	})
	return req, err
}

// ApproveAccessRequest grants an open request by giving the requester roleID: a role
// of the account that holds their current permissions plus the one asked for, within
// the caller's reach (canGrant), for a requester whose own reach lies within the
// caller's. The requester must still be an active member. Needs members.manage. The
// new role works from the requester's next request. Audited.
func (a *App) ApproveAccessRequest(ctx context.Context, actor Actor, h Access, id, roleID int64, note string) (domain.AccessRequest, error) {
	return a.decideRequest(ctx, actor, h, id, note, func(tx *store.Tx, acc domain.Account, req domain.AccessRequest, caller reach, note string) (mail.DecisionFacts, string, error) {
		var f mail.DecisionFacts
		m, err := tx.Member(ctx, acc.ID, req.UserID)
		if err != nil || m.Status != domain.MembershipActive {
			return f, "", domain.Errorf(domain.EINVALID, "%s is no longer an active member of %s; deny the request instead.", req.FullName, acc.Name)
		}
		if err := checkCovers(ctx, tx, caller, acc.ID, m, "change the role of"); err != nil {
			return f, "", err
		}
		role, err := tx.RoleForAccount(ctx, acc.ID, roleID)
		if err != nil {
			return f, "", domain.FieldError("role", "Choose one of this account's roles.")
		}
		if err := canGrant(caller, role); err != nil {
			return f, "", err
		}
		current, err := tx.RoleForAccount(ctx, acc.ID, m.RoleID)
		if err != nil {
			return f, "", err
		}
		if !qualifies(role, current, req.Permission) {
			return f, "", domain.FieldError("role", role.Name+" does not hold “"+domain.PermissionLabel(req.Permission)+
				"” together with everything "+current.Name+" allows. Choose a role that does.")
		}
		if role.ID != m.RoleID {
			if err := tx.SetMembershipRole(ctx, acc.ID, m.UserID, role.ID); err != nil {
				return f, "", err
			}
		}
		if err := tx.DecideAccessRequest(ctx, acc.ID, req.ID, store.AccessDecision{Status: domain.AccessRequestApproved,
			DecidedBy: actor.UserID, At: a.now(), GrantedRoleID: role.ID, GrantedRoleName: role.Name, Note: note}); err != nil {
			return f, "", err
		}
		f.Approved, f.NewRoleName = true, role.Name
		return f, "Members > Access request > Approve > " + req.Email + " (" + string(req.Permission) + ": " + m.RoleName + " → " + role.Name + ")", nil
	})
}

// DenyAccessRequest declines an open request, with an optional note for the
// requester. Needs members.manage. Audited.
func (a *App) DenyAccessRequest(ctx context.Context, actor Actor, h Access, id int64, note string) (domain.AccessRequest, error) {
	return a.decideRequest(ctx, actor, h, id, note, func(tx *store.Tx, acc domain.Account, req domain.AccessRequest, _ reach, note string) (mail.DecisionFacts, string, error) {
		err := tx.DecideAccessRequest(ctx, acc.ID, req.ID, store.AccessDecision{Status: domain.AccessRequestDenied,
			DecidedBy: actor.UserID, At: a.now(), Note: note})
		return mail.DecisionFacts{}, "Members > Access request > Deny > " + req.Email + " (" + string(req.Permission) + ")", err
	})
}
