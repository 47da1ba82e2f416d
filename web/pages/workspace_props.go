package pages

import (
	"strconv"

	"atrium/internal/domain"
	"atrium/web"
)

// WorkspaceForm carries the submitted values and field errors of one workspace form.
type WorkspaceForm struct {
	Values map[string]string
	Errors map[string]string
}

// Value returns a submitted value.
func (f WorkspaceForm) Value(k string) string { return f.Values[k] }

// Err returns a field's error.
func (f WorkspaceForm) Err(k string) string { return f.Errors[k] }

// WorkspacePager links the pages of a workspace table (?page=N).
type WorkspacePager struct {
	Path string // the page's path, without the query
	Page int
	More bool
}

// Prev is the link to the previous page ("" on the first).
func (p WorkspacePager) Prev() string {
	if p.Page <= 1 {
		return ""
	}
	if p.Page == 2 {
		return p.Path
	}
	return p.Path + "?page=" + strconv.Itoa(p.Page-1)
}

// Next is the link to the next page ("" on the last).
func (p WorkspacePager) Next() string {
	if !p.More {
		return ""
	}
	return p.Path + "?page=" + strconv.Itoa(p.Page+1)
}

// CampaignsProps is an account's campaigns page.
type CampaignsProps struct {
	Shell     web.Shell
	Base      string // "/a/{account}"
	Campaigns []domain.Campaign
	Pager     WorkspacePager
	// CanCreate shows the create form (campaigns.edit and not limited to chosen campaigns).
	CanCreate bool
	// Scoped says the caller sees only the campaigns shared with them.
	Scoped bool
	Create WorkspaceForm
}

// CampaignProps is one campaign: its details, the rename form and the publish button.
type CampaignProps struct {
	Shell      web.Shell
	Base       string
	Campaign   domain.Campaign
	CanEdit    bool
	CanPublish bool
	Rename     WorkspaceForm
	// Error is a message about the whole page, such as publishing twice.
	Error string
}

// ListsProps is an account's lists page.
type ListsProps struct {
	Shell     web.Shell
	Base      string
	Lists     []domain.List
	Pager     WorkspacePager
	CanCreate bool
	Scoped    bool
	Create    WorkspaceForm
}

// ListProps is one list: its contacts, the rename form and the add-contact form.
type ListProps struct {
	Shell      web.Shell
	Base       string
	List       domain.List
	Contacts   []domain.Contact
	Pager      WorkspacePager
	CanEdit    bool
	Rename     WorkspaceForm
	AddContact WorkspaceForm
}

// campaignStatus is a campaign status as shown in badges.
func campaignStatus(status string) string {
	if status == "published" {
		return "Published"
	}
	return "Draft"
}

// contactsLabel is "1 contact" or "n contacts".
func contactsLabel(n int) string {
	if n == 1 {
		return "1 contact"
	}
	return strconv.Itoa(n) + " contacts"
}

func campaignHref(base string, id int64) string {
	return base + "/campaigns/" + strconv.FormatInt(id, 10)
}

func listHref(base string, id int64) string { return base + "/lists/" + strconv.FormatInt(id, 10) }
