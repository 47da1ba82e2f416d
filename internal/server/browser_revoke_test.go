package server_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"atrium/internal/app"
)

// TestBrowser_DeactivateRevokesOpenPage: an administrator deactivates the viewer while
// the viewer has a page open; the viewer's next click says their access was revoked;
// after reactivation the viewer gets back in.
func TestBrowser_DeactivateRevokesOpenPage(t *testing.T) {
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(t.Context(), browserTestTimeout)
	defer cancel()
	e := newEnv(t)
	if err := e.App.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	viewer := newBrowser(ctx, t, exe, e.URL)
	admin := newBrowser(ctx, t, exe, e.URL)
	const home = "/a/northwind-retail/"
	viewer.login("viewer@northwind.test", app.DemoPassword, home)
	admin.login("owner@northwind.test", app.DemoPassword, home)

	admin.do("opening the members list", chromedp.Navigate(e.URL+home+"members"))
	admin.waitPath(home + "members")
	admin.screenshot("members")
	deactivate := `//tr[@data-email="viewer@northwind.test"]//button[normalize-space()="Deactivate"]`
	if msg, err := evalJS[string](admin, `document.evaluate('`+deactivate+`', document, null, 9, null).singleNodeValue.getAttribute("data-confirm")`); err != nil || msg == "" {
		t.Fatalf("the Deactivate button asks for no confirmation: %q %v", msg, err)
	}
	// Accept the confirmation dialog the button raises.
	if _, err := evalJS[bool](admin, `(window.confirm = function () { return true; }, true)`); err != nil {
		t.Fatal(err)
	}
	admin.do("deactivating the viewer", chromedp.Click(chromedp.Search(deactivate)))
	admin.waitText(".flash", "is deactivated")

	// The viewer's page is still open; the next click is refused.
	viewer.do("clicking Home", chromedp.Click(chromedp.Search(`//nav[@aria-label="Account sections"]//a[normalize-space()="Home"]`)))
	viewer.waitText("main", "Your access to Northwind Retail has been revoked")
	viewer.screenshot("revoked")

	if _, err := evalJS[bool](admin, `(window.confirm = function () { return true; }, true)`); err != nil {
		t.Fatal(err)
	}
	admin.do("reactivating the viewer", chromedp.Click(chromedp.Search(`//tr[@data-email="viewer@northwind.test"]//button[normalize-space()="Reactivate"]`)))
	admin.waitText(".flash", "is active again")

	viewer.do("going back in", chromedp.Click(chromedp.Search(`//a[normalize-space()="Go to my accounts"]`)))
	viewer.waitPath(home)
	if got := viewer.text("#switcher-toggle .switcher-name"); got != "Northwind Retail" {
		t.Fatalf("viewer is in %q after reactivation", got)
	}
}
