package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"atrium/internal/app"
)

// The browser tests drive a real headless Chromium against the test server. They need
// a Chromium binary: /usr/bin/chromium, or the path in ATRIUM_CHROMIUM. Without one
// they fail, unless ATRIUM_SKIP_BROWSER=1 asks to skip them. When ATRIUM_SCREENSHOTS
// names a directory, they save full-page screenshots there for people to look at.

const (
	browserTestTimeout = 90 * time.Second
	browserStepTimeout = 15 * time.Second
)

// shotViewport is a screen size the screenshots are taken at.
type shotViewport struct {
	name          string
	width, height int64
	mobile        bool
}

var (
	desktopViewport = shotViewport{"desktop", 1280, 800, false}
	phoneViewport   = shotViewport{"phone", 390, 844, true}
	shotViewports   = []shotViewport{desktopViewport, phoneViewport}
)

// browser is one headless Chromium tab pointed at a test server.
type browser struct {
	t    *testing.T
	ctx  context.Context // the tab's chromedp context
	base string          // the server's base URL
	dir  string          // where screenshots go; "" when they are not wanted
}

// chromiumPath is the Chromium binary the browser tests drive. Without one the test
// fails, or is skipped when ATRIUM_SKIP_BROWSER=1.
func chromiumPath(t *testing.T) string {
	t.Helper()
	exe := os.Getenv("ATRIUM_CHROMIUM")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exe); err != nil {
		if os.Getenv("ATRIUM_SKIP_BROWSER") == "1" {
			t.Skipf("no Chromium at %s (ATRIUM_SKIP_BROWSER=1): %v", exe, err)
		}
		t.Fatalf("browser tests need Chromium, but there is none at %s: %v\n"+
			"Install it (apt-get install chromium), point ATRIUM_CHROMIUM at the binary, "+
			"or set ATRIUM_SKIP_BROWSER=1 to skip these tests.", exe, err)
	}
	return exe
}

// newBrowser starts headless Chromium in a fresh profile. It is stopped when the test
// ends, before the server is shut down.
func newBrowser(ctx context.Context, t *testing.T, exe, base string) *browser {
	t.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(int(desktopViewport.width), int(desktopViewport.height)),
	)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	// Cleanups run last-in first-out: the tab, then the browser, then (registered
	// earlier by newEnv) the server.
	t.Cleanup(cancelAlloc)
	t.Cleanup(cancelTab)
	b := &browser{t: t, ctx: tabCtx, base: base, dir: os.Getenv("ATRIUM_SCREENSHOTS")}
	// The first action starts the browser; it runs on the tab context itself so that
	// the browser lives as long as the test.
	if err := chromedp.Do(tabCtx, chromedp.EmulateViewport(desktopViewport.width, desktopViewport.height)); err != nil {
		t.Fatalf("starting Chromium (%s): %v", exe, err)
	}
	if b.dir != "" {
		if err := os.MkdirAll(b.dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// do runs the actions as one step, bounded by browserStepTimeout, and fails the test
// with what the page shows when the step fails.
func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v\n%s", step, err, b.describe())
	}
}

// evalJS evaluates a JavaScript expression in the page and decodes its value into T.
func evalJS[T any](b *browser, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// waitFor evaluates expr until it gives want, across page loads (an evaluation that
// fails while the page navigates is retried), and fails the test after the step
// timeout.
func (b *browser) waitFor(step, expr, want string) {
	b.t.Helper()
	deadline := time.Now().Add(browserStepTimeout)
	var last string
	var lastErr error
	for time.Now().Before(deadline) {
		last, lastErr = evalJS[string](b, expr)
		if lastErr == nil && last == want {
			return
		}
		if b.ctx.Err() != nil {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	b.t.Fatalf("%s: want %q, last saw %q (err %v)\n%s", step, want, last, lastErr, b.describe())
}

// waitPath waits until the page at path has loaded completely (so app.js is wired up).
func (b *browser) waitPath(path string) {
	b.t.Helper()
	b.waitFor("waiting for "+path, `location.pathname + " " + document.readyState`, path+" complete")
}

// waitText waits until the first element matching the CSS selector contains text.
func (b *browser) waitText(css, text string) {
	b.t.Helper()
	expr := fmt.Sprintf(`(function () { var el = document.querySelector(%q); return el && el.textContent.indexOf(%q) >= 0 ? "yes" : "no"; })()`, css, text)
	b.waitFor(fmt.Sprintf("waiting for %q in %s", text, css), expr, "yes")
}

// text is the trimmed text of the first element matching the CSS selector.
func (b *browser) text(css string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("reading %s: %v\n%s", css, err, b.describe())
	}
	return strings.TrimSpace(s)
}

// describe is the page's address and the start of its text, for failure messages.
func (b *browser) describe() string {
	if b.ctx.Err() != nil {
		return "(browser context ended: " + b.ctx.Err().Error() + ")"
	}
	href, _ := evalJS[string](b, `location.href`)
	body, _ := evalJS[string](b, `document.body ? document.body.innerText : ""`)
	if len(body) > 600 {
		body = body[:600] + "…"
	}
	return "page " + href + ":\n" + body
}

// login signs in through the two-step form and waits until the browser lands on want.
func (b *browser) login(email, password, want string) {
	b.t.Helper()
	b.do("opening /login", chromedp.Navigate(b.base+"/login"))
	b.do("email step",
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.Clear(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.Click(chromedp.Search(`//form[@action="/login"]//button[normalize-space()="Continue"]`)),
	)
	b.waitPath("/login/password")
	b.do("waiting for the password step", chromedp.WaitVisible(chromedp.ID("password")))
	// The email typed in the first step is carried to the second without a session.
	if got := b.text("form[action='/login/password'] p strong"); got != email {
		b.t.Fatalf("password step signs in as %q, want %q", got, email)
	}
	b.screenshot("login-password")
	b.do("password step",
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.Search(`//form[@action="/login/password"]//button[normalize-space()="Sign in"]`)),
	)
	b.waitPath(want)
}

// screenshot saves full-page screenshots of the current page at every viewport as
// <dir>/<name>-<viewport>.png, then goes back to the desktop viewport. It does
// nothing unless ATRIUM_SCREENSHOTS is set.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	if b.dir == "" {
		return
	}
	for _, v := range shotViewports {
		var opts []chromedp.EmulateViewportOption
		if v.mobile {
			opts = append(opts, chromedp.EmulatePortrait, chromedp.EmulateScale(2), chromedp.EmulateMobile)
		}
		b.do("resizing to "+v.name,
			chromedp.EmulateViewport(v.width, v.height, opts...),
			chromedp.Sleep(100*time.Millisecond), // let the layout settle at the new size
		)
		sctx, cancel := context.WithTimeout(b.ctx, browserStepTimeout)
		png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
		cancel()
		if err != nil {
			b.t.Fatalf("screenshot %s at %s: %v", name, v.name, err)
		}
		path := filepath.Join(b.dir, name+"-"+v.name+".png")
		if err := os.WriteFile(path, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
		b.t.Logf("screenshot: %s", path)
	}
	b.do("restoring the desktop viewport", chromedp.EmulateViewport(desktopViewport.width, desktopViewport.height))
}

// switcherState is what the open account switcher shows.
type switcherState struct {
	Visible       []string `json:"visible"`       // names of the items on screen
	HiddenByStyle int      `json:"hiddenByStyle"` // items whose <li> has style.display "none"
	Total         int      `json:"total"`         // items in the list
	More          bool     `json:"more"`          // the list is filtered by the server
}

const switcherStateJS = `(function () {
	var items = Array.prototype.slice.call(document.querySelectorAll("#switcher-list .switcher-item"));
	return {
		visible: items.filter(function (a) { return a.getClientRects().length > 0; }).map(function (a) {
			return a.querySelector(".item-name").textContent.replace("★", "").trim();
		}),
		hiddenByStyle: items.filter(function (a) { return a.closest("li").style.display === "none"; }).length,
		total: items.length,
		more: document.querySelector(".switcher").getAttribute("data-more") === "true"
	};
})()`

// TestBrowser_AgencyJourney walks the demo agency user through signing in, switching
// account with the switcher's search, changing the favourite and signing in again.
func TestBrowser_AgencyJourney(t *testing.T) {
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(t.Context(), browserTestTimeout)
	defer cancel()
	e := newEnv(t)
	if err := e.App.LoadDemo(ctx); err != nil {
		t.Fatalf("loading the demo data: %v", err)
	}
	b := newBrowser(ctx, t, exe, e.URL)
	const email = "agency@pixel.test"

	// Signing in lands in the favourite account, Globex Marketing.
	b.login(email, app.DemoPassword, "/a/globex-marketing/")
	if got := b.text("#switcher-toggle .switcher-name"); got != "Globex Marketing" {
		t.Fatalf("switcher shows %q after sign-in, want Globex Marketing", got)
	}
	b.screenshot("account-home")

	// The switcher opens in place and its search filters the list.
	b.do("opening the switcher",
		chromedp.Click(chromedp.ID("switcher-toggle")),
		chromedp.WaitVisible(chromedp.ID("switcher-panel")),
		chromedp.WaitVisible(chromedp.ID("switcher-search")),
	)
	b.waitFor("loading the switcher's list", `document.querySelectorAll("#switcher-list .switcher-item").length > 0 ? "yes" : "no"`, "yes")
	if got, err := evalJS[string](b, `document.getElementById("switcher-toggle").getAttribute("aria-expanded")`); err != nil || got != "true" {
		t.Errorf("switcher toggle aria-expanded = %q (err %v), want true", got, err)
	}
	st, err := evalJS[switcherState](b, switcherStateJS)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Globex Marketing", "Northwind Retail", "Northwind Travel"}; !sameNamesAnyOrder(st.Visible, want) {
		t.Errorf("open switcher lists %q, want %q", st.Visible, want)
	}
	b.screenshot("switcher-open")

	b.do("searching the switcher", chromedp.SendKeys(chromedp.ID("switcher-search"), "Travel"))
	b.waitFor("filtering the switcher", `JSON.stringify(`+switcherStateJS+`.visible)`, `["Northwind Travel"]`)
	st, err = evalJS[switcherState](b, switcherStateJS)
	if err != nil {
		t.Fatal(err)
	}
	if !st.More && st.HiddenByStyle != st.Total-1 {
		t.Errorf("switcher hides %d of %d items with display:none, want %d", st.HiddenByStyle, st.Total, st.Total-1)
	}

	// Enter in the search box goes to the first item left.
	b.do("pressing Enter in the switcher search", chromedp.SendKeys(chromedp.ID("switcher-search"), "\r"))
	b.waitPath("/a/northwind-travel/")
	if got := b.text("#switcher-toggle .switcher-name"); got != "Northwind Travel" {
		t.Fatalf("switcher shows %q after switching, want Northwind Travel", got)
	}

	// A star on the profile page makes Northwind Travel the favourite.
	b.do("opening /profile", chromedp.Navigate(e.URL+"/profile"))
	b.waitPath("/profile")
	b.do("starring Northwind Travel",
		chromedp.Click(chromedp.CSS(`button[aria-label="Make Northwind Travel my favourite"]`)))
	b.waitText(".flash", "Northwind Travel is now your favourite")
	b.do("checking the star moved",
		chromedp.WaitReady(chromedp.CSS(`[aria-label="Favourite: Northwind Travel"]`)),
		chromedp.WaitReady(chromedp.CSS(`button[aria-label="Make Globex Marketing my favourite"]`)),
	)

	// Signing out, then in again, lands in the new favourite.
	b.do("signing out", chromedp.Click(chromedp.Search(`//form[@action="/logout"]//button[normalize-space()="Sign out"]`)))
	b.waitPath("/login")
	b.waitText("main", "You have signed out.")
	b.login(email, app.DemoPassword, "/a/northwind-travel/")
	if got := b.text("#switcher-toggle .switcher-name"); got != "Northwind Travel" {
		t.Fatalf("switcher shows %q after signing in again, want Northwind Travel", got)
	}

	// The favourite is stored.
	u, err := e.Store.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	travel, err := e.Store.AccountBySlug(ctx, "northwind-travel")
	if err != nil {
		t.Fatal(err)
	}
	if u.FavouriteAccountID != travel.ID {
		t.Errorf("favourite account = %d, want Northwind Travel (%d)", u.FavouriteAccountID, travel.ID)
	}
}

// sameNamesAnyOrder reports whether got holds the names in want, in any order.
func sameNamesAnyOrder(got, want []string) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}
