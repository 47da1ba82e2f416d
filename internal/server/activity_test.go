package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"atrium/internal/domain"
	"atrium/internal/pgtest"
)

func TestActivity_AccountLogPaginatedAndFiltered(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ctx := context.Background()
	for i := 0; i < 60; i++ {
		if err := e.Store.InsertAudit(ctx, domain.AuditEvent{ActorEmail: "bot@a.test", Action: fmt.Sprintf("Lists > Add contact > c%02d@x.test", i),
			AccountID: w.AccA1.ID, OrganisationID: w.OrgA.ID, IP: "10.0.0.1"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Store.InsertAudit(ctx, domain.AuditEvent{ActorEmail: "b@b.test", Action: "Secret in B", AccountID: w.AccB.ID, OrganisationID: w.OrgB.ID}); err != nil {
		t.Fatal(err)
	}
	admin := e.client()
	admin.login(w.Agency.Email, pgtest.Password)
	res, body := admin.get("/a/" + w.AccA1.Slug + "/activity")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "c59@x.test") || strings.Contains(body, "c09@x.test") {
		t.Fatalf("first page: %d (newest first, 50 per page)", res.StatusCode)
	}
	if strings.Contains(body, "Secret in B") {
		t.Fatal("another account's event is listed")
	}
	i := strings.Index(body, "before=")
	if i < 0 {
		t.Fatal("no link to older events")
	}
	next := body[i : i+strings.IndexByte(body[i:], '"')]
	_, body = admin.get("/a/" + w.AccA1.Slug + "/activity?" + strings.ReplaceAll(next, "&amp;", "&"))
	if !strings.Contains(body, "c00@x.test") || strings.Contains(body, "c59@x.test") {
		t.Fatal("second page does not hold the older events")
	}
	_, body = admin.get("/a/" + w.AccA1.Slug + "/activity?filter=" + url.QueryEscape("c07@"))
	if !strings.Contains(body, "c07@x.test") || strings.Contains(body, "c08@x.test") {
		t.Fatal("filter does not filter")
	}
	viewer := e.client()
	viewer.login(w.Viewer.Email, pgtest.Password)
	if res, _ := viewer.get("/a/" + w.AccA1.Slug + "/activity"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer on activity: %d, want 403", res.StatusCode)
	}
}

func TestActivity_OrganisationLog(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	owner := e.client()
	owner.login(w.OwnerA.Email, pgtest.Password)
	owner.post("/org/"+w.OrgA.Slug+"/rename", url.Values{"name": {"Alpha Renamed"}})
	owner.post(memberPath(w.AccA1, w.Viewer, "deactivate"), url.Values{})
	res, body := owner.get("/org/" + w.OrgA.Slug + "/activity")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Organisation &gt; Rename") || !strings.Contains(body, "Members &gt; Deactivate") {
		t.Fatalf("organisation log: %d", res.StatusCode)
	}
	if !strings.Contains(body, w.AccA1.Name) {
		t.Fatal("organisation log does not name the account")
	}
	other := e.client()
	other.login(w.OwnerB.Email, pgtest.Password)
	if res, _ := other.get("/org/" + w.OrgA.Slug + "/activity"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("another organisation's owner: %d", res.StatusCode)
	}
}
