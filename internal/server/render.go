package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/a-h/templ"

	"atrium/internal/domain"
	"atrium/web"
)

var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render renders a templ component into a pooled buffer and sends it whole with
// status; a render error becomes a plain 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	buf := pageBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer pageBuffers.Put(buf)
	if err := c.Render(r.Context(), buf); err != nil {
		s.log.ErrorContext(r.Context(), "render failed", "err", err, "request_id", requestID(r.Context()))
		http.Error(w, "Something went wrong on our side. Please try again.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// shell builds the frame of a signed-in page. Inside an account, access is the
// request's access and the frame costs no query: the switcher loads its list when
// opened.
func (s *Server) shell(ctx context.Context, r *http.Request, title string, u domain.User, access *domain.Access) (web.Shell, error) {
	sh := web.Shell{Title: title, User: u, Flash: s.sessions.PopString(ctx, "flash"), Notice: s.sessions.PopString(ctx, "notice")}
	if access != nil {
		cur := domain.Entry{AccountID: access.Account.ID, AccountSlug: access.Account.Slug, AccountName: access.Account.Name,
			OrganisationID: access.Organisation.ID, OrganisationSlug: access.Organisation.Slug,
			OrganisationName: access.Organisation.Name, RoleID: access.RoleID, RoleName: access.RoleName}
		sh.Current = &cur
		if access.OrgOwner {
			sh.OrgLinks = []domain.Organisation{access.Organisation}
		}
		sh.Nav = accountNav(r.URL.Path, *access)
	} else {
		var err error
		if sh.OrgLinks, err = s.app.OwnedOrganisations(ctx, u.ID); err != nil {
			return sh, err
		}
		if o := currentOrg(r); o.ID != 0 {
			sh.Nav = orgNav(r.URL.Path, o)
		}
	}
	return sh, nil
}

// accountSections are the account's sections, each shown to callers holding its
// permission.
var accountSections = []struct {
	label, path string
	perm        domain.Permission
}{
	{"Home", "/", domain.PermAccountView},
	{"Campaigns", "/campaigns", domain.PermCampaignsView},
	{"Lists", "/lists", domain.PermListsView},
	{"Members", "/members", domain.PermMembersView},
	{"Roles", "/roles", domain.PermMembersView},
	{"Activity", "/activity", domain.PermAuditView},
	{"Settings", "/settings", domain.PermAccountView},
}

func accountNav(path string, access domain.Access) []web.NavItem {
	base := "/a/" + access.Account.Slug
	var out []web.NavItem
	for _, sec := range accountSections {
		if !access.Permissions.Has(sec.perm) {
			continue
		}
		href := base + sec.path
		active := path == href || (sec.path != "/" && strings.HasPrefix(path, href+"/"))
		out = append(out, web.NavItem{Label: sec.label, Href: href, Active: active})
	}
	return out
}

// orgNav is the organisation pages' section menu.
func orgNav(path string, o domain.Organisation) []web.NavItem {
	base := "/org/" + o.Slug
	items := []web.NavItem{{Label: o.Name, Href: base + "/"}, {Label: "Users", Href: base + "/users"}, {Label: "Activity", Href: base + "/activity"}}
	for i := range items {
		items[i].Active = path == items[i].Href || (i > 0 && strings.HasPrefix(path, items[i].Href+"/"))
	}
	return items
}

// plural writes n with the singular or plural phrase.
func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
