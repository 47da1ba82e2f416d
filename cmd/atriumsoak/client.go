package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"
)

// newTransport is a keep-alive transport with an idle connection for every client.
func newTransport(conns int) *http.Transport {
	return &http.Transport{
		MaxIdleConns:        conns + 16,
		MaxIdleConnsPerHost: conns + 16,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// browser is one signed-in user's client: its own cookies (a jar: cookies are kept per
// host, so the session works on every instance and through the balancer alike), no
// redirects followed.
type browser struct {
	c *http.Client
}

func newBrowser(tr http.RoundTripper) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{c: &http.Client{Transport: tr, Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// answer is what the soak checks of a response.
type answer struct {
	status     int
	location   string
	retryAfter string
}

// do sends one request like a same-origin browser (form posts with Origin and
// Sec-Fetch-Site, which the server's cross-origin protection requires) and reads the
// body to the end so the connection is reused.
func (b *browser) do(ctx context.Context, method, base, path string, form url.Values) (answer, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return answer{status: resp.StatusCode, location: resp.Header.Get("Location"), retryAfter: resp.Header.Get("Retry-After")}, err
}

// signIn takes the two sign-in steps at base.
func (b *browser) signIn(ctx context.Context, base, email string) error {
	a, err := b.do(ctx, http.MethodPost, base, "/login", url.Values{"email": {email}})
	if err != nil {
		return err
	}
	if a.status != http.StatusSeeOther || a.location != "/login/password" {
		return fmt.Errorf("POST /login for %s: %d -> %q", email, a.status, a.location)
	}
	a, err = b.do(ctx, http.MethodPost, base, "/login/password", url.Values{"email": {email}, "password": {soakPassword}})
	if err != nil {
		return err
	}
	if a.status != http.StatusSeeOther || a.location != "/" {
		return fmt.Errorf("POST /login/password for %s: %d -> %q", email, a.status, a.location)
	}
	return nil
}

// signInAll signs every user in at base, 16 at a time, and returns their browsers.
func signInAll(ctx context.Context, tr http.RoundTripper, base string, users []soakUser) ([]*browser, error) {
	out := make([]*browser, len(users))
	errs := make(chan error, len(users))
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i, u := range users {
		out[i] = newBrowser(tr)
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := out[i].signIn(ctx, base, u.email); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return out, nil
}
