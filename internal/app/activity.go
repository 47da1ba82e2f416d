package app

import (
	"context"

	"atrium/internal/domain"
	"atrium/internal/store"
)

// ActivityPage is one page of an activity log, newest first.
type ActivityPage struct {
	Events []domain.AuditEvent
	// Next is the id to pass as before for the following page; 0 when none.
	Next   int64
	Filter string
	// AccountNames names the accounts of an organisation's events.
	AccountNames map[int64]string
}

func activityPage(events []domain.AuditEvent, filter string) ActivityPage {
	p := ActivityPage{Events: events, Filter: filter}
	if len(events) > store.AuditPageSize {
		p.Events = events[:store.AuditPageSize]
		p.Next = p.Events[len(p.Events)-1].ID
	}
	return p
}

func cleanFilter(f string) (string, error) { return CleanQuery("filter", f) }

// AccountActivity returns one page of an account's activity log (audit.view).
func (a *App) AccountActivity(ctx context.Context, h Access, before int64, filter string) (ActivityPage, error) {
	access, err := a.open(h)
	if err != nil {
		return ActivityPage{}, err
	}
	if !access.Permissions.Has(domain.PermAuditView) {
		return ActivityPage{}, forbidden(domain.PermAuditView)
	}
	filter, err = cleanFilter(filter)
	if err != nil {
		return ActivityPage{}, err
	}
	events, err := a.store.AuditForAccount(ctx, access.Account.ID, before, filter)
	return activityPage(events, filter), err
}

// OrganisationActivity returns one page of an organisation's activity log, for its
// owners (ENOTFOUND for anyone else).
func (a *App) OrganisationActivity(ctx context.Context, userID int64, orgSlug string, before int64, filter string) (domain.Organisation, ActivityPage, error) {
	o, err := a.store.OwnedOrganisation(ctx, userID, orgSlug)
	if err != nil {
		return o, ActivityPage{}, err
	}
	if filter, err = cleanFilter(filter); err != nil {
		return o, ActivityPage{}, err
	}
	events, err := a.store.AuditForOrganisation(ctx, o.ID, before, filter)
	if err != nil {
		return o, ActivityPage{}, err
	}
	p := activityPage(events, filter)
	accounts, err := a.store.AccountsOfOrganisation(ctx, o.ID)
	p.AccountNames = map[int64]string{}
	for _, acc := range accounts {
		p.AccountNames[acc.ID] = acc.Name
	}
	return o, p, err
}
