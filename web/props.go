// Package web holds Atrium's HTML: templ layouts, components and pages, each page
// taking one typed props struct, and the embedded static files. It imports only domain.
package web

import "atrium/internal/domain"

// Shell is what every signed-in page's frame needs: who is signed in, the current
// account (if any) and the switcher's contents.
type Shell struct {
	Title    string
	User     domain.User
	Current  *domain.Entry // nil outside an account
	Flash    string
	Notice   string
	OrgLinks []domain.Organisation
	// Nav is the account's section menu (only the sections the caller may open).
	Nav []NavItem
}

// NavItem is one entry of the account's section menu.
type NavItem struct {
	Label  string
	Href   string
	Active bool
}

// SwitcherProps is the account switcher's content.
type SwitcherProps struct {
	// Recent are the favourite (first, when it can be entered) and the accounts
	// entered most recently; first page only.
	Recent []domain.Entry
	// Groups are the other accounts of the page, by organisation.
	Groups []SwitcherGroup
	// More is true when the user can enter more accounts than are listed; the search
	// box then asks the server.
	More bool
	// Next is the link to the next page ("" when none, and in the switcher itself).
	Next        string
	Query       string
	FavouriteID int64
}

// SwitcherGroup is one organisation's accounts in the switcher.
type SwitcherGroup struct {
	Organisation string
	Entries      []domain.Entry
}

// GroupEntries groups entries by organisation, keeping the order in which each
// organisation first appears.
func GroupEntries(entries []domain.Entry) []SwitcherGroup {
	var groups []SwitcherGroup
	index := map[int64]int{}
	for _, e := range entries {
		i, ok := index[e.OrganisationID]
		if !ok {
			i = len(groups)
			index[e.OrganisationID] = i
			groups = append(groups, SwitcherGroup{Organisation: e.OrganisationName})
		}
		groups[i].Entries = append(groups[i].Entries, e)
	}
	return groups
}
