package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// newTransport is a keep-alive transport that holds an idle connection for every
// concurrent client, so a load run does not churn TCP connections.
func newTransport(conns int) *http.Transport {
	return &http.Transport{
		MaxIdleConns:        conns + 16,
		MaxIdleConnsPerHost: conns + 16,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}

// newClient does not follow redirects: the bench checks each 303 itself.
func newClient(tr http.RoundTripper, jar http.CookieJar) *http.Client {
	return &http.Client{
		Transport:     tr,
		Jar:           jar,
		Timeout:       60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// answer is the part of a response the bench checks; the body is read and discarded
// (or kept when asked) so the connection goes back to the pool.
type answer struct {
	status   int
	location string
	body     string
}

// postForm posts a form the way a same-origin browser does: Origin and Sec-Fetch-Site
// headers, which the server's cross-origin protection requires on POST.
func postForm(ctx context.Context, c *http.Client, base, path string, form url.Values) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return do(c, req, false)
}

// get fetches path with the browser's same-origin headers and, when cookie is not
// empty, that Cookie header.
func get(ctx context.Context, c *http.Client, base, path, cookie string, keepBody bool) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	return do(c, req, keepBody)
}

func do(c *http.Client, req *http.Request, keepBody bool) (answer, error) {
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, location: resp.Header.Get("Location")}
	if keepBody {
		b, err := io.ReadAll(resp.Body)
		a.body = string(b)
		return a, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return a, err
}

// describe names an unexpected answer for the problem counts.
func (a answer) describe(what string) string {
	if a.location != "" {
		return fmt.Sprintf("%s: %d -> %s", what, a.status, a.location)
	}
	return fmt.Sprintf("%s: %d", what, a.status)
}
