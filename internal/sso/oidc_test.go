package sso_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"atrium/internal/devidp"
	"atrium/internal/sso"
)

// idp starts a development OpenID provider (zitadel's op) on loopback with two clients.
func idp(t *testing.T) *devidp.Provider {
	t.Helper()
	var p *devidp.Provider
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	var err error
	p, err = devidp.New(srv.URL, []devidp.Client{
		{ID: "atrium", Secret: "s3cret", RedirectURIs: []string{"http://rp.test/sso/1/callback"}},
		{ID: "other", Secret: "other-secret", RedirectURIs: []string{"http://rp.test/sso/2/callback"}},
	}, []devidp.Identity{{Subject: "u-1", Email: "ann@example.com", EmailVerified: true, Name: "Ann"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func noFollow() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func discover(t *testing.T, p *devidp.Provider, id, secret string, n int) *sso.OIDC {
	t.Helper()
	o, err := sso.DiscoverOIDC(context.Background(), http.DefaultClient, sso.OIDCSettings{Issuer: p.Issuer(), ClientID: id,
		ClientSecret: secret, Scopes: []string{"email", "profile"}, RedirectURL: "http://rp.test/sso/" + string(rune('0'+n)) + "/callback"})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// roundTrip signs in at the provider and returns the code and state it sent back.
func roundTrip(t *testing.T, o *sso.OIDC, ch sso.Challenge) (code, state string) {
	t.Helper()
	back, err := devidp.SignIn(noFollow(), o.AuthURL(ch), "u-1")
	if err != nil {
		t.Fatal(err)
	}
	return back.Query().Get("code"), back.Query().Get("state")
}

func TestOIDCRoundTrip(t *testing.T) {
	p := idp(t)
	o := discover(t, p, "atrium", "s3cret", 1)
	ch := sso.NewChallenge()
	code, state := roundTrip(t, o, ch)
	if err := sso.CheckState(ch, state); err != nil {
		t.Fatalf("state: %v", err)
	}
	c, err := o.Finish(context.Background(), code, ch)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "u-1" || c.Email != "ann@example.com" || !c.EmailVerified || c.Name != "Ann" {
		t.Fatalf("claims %+v", c)
	}
	// A code works once.
	if _, err := o.Finish(context.Background(), code, ch); !errors.Is(err, sso.ErrExchange) {
		t.Fatalf("second use of a code: %v", err)
	}
}

func TestOIDCRefusals(t *testing.T) {
	p := idp(t)
	o := discover(t, p, "atrium", "s3cret", 1)
	ctx := context.Background()

	t.Run("forged state", func(t *testing.T) {
		ch := sso.NewChallenge()
		if err := sso.CheckState(ch, sso.NewChallenge().State); !errors.Is(err, sso.ErrState) {
			t.Fatalf("got %v", err)
		}
		if err := sso.CheckState(sso.Challenge{}, ""); !errors.Is(err, sso.ErrState) {
			t.Fatalf("empty state: %v", err)
		}
	})
	t.Run("wrong nonce", func(t *testing.T) {
		ch := sso.NewChallenge()
		code, _ := roundTrip(t, o, ch)
		bad := ch
		bad.Nonce = sso.NewChallenge().Nonce
		if _, err := o.Finish(ctx, code, bad); !errors.Is(err, sso.ErrNonce) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("missing PKCE verifier", func(t *testing.T) {
		ch := sso.NewChallenge()
		code, _ := roundTrip(t, o, ch)
		bad := ch
		bad.Verifier = ""
		if _, err := o.Finish(ctx, code, bad); !errors.Is(err, sso.ErrExchange) {
			t.Fatalf("got %v", err)
		}
		// The provider itself refuses a verifier that is not the challenge's.
		bad.Verifier = sso.NewChallenge().Verifier
		if _, err := o.Finish(ctx, code, bad); !errors.Is(err, sso.ErrExchange) {
			t.Fatalf("wrong verifier: %v", err)
		}
	})
	t.Run("ID token for another client", func(t *testing.T) {
		other := discover(t, p, "other", "other-secret", 2)
		ch := sso.NewChallenge()
		code, _ := roundTrip(t, other, ch)
		// Exchange as the other client to get its genuine ID token…
		raw := rawIDToken(t, p, "other", "other-secret", code, ch, "http://rp.test/sso/2/callback")
		// …which this connection refuses: its audience is not our client id.
		if _, err := o.VerifyIDToken(ctx, raw, ch.Nonce); !errors.Is(err, sso.ErrIDToken) {
			t.Fatalf("got %v", err)
		}
	})
}

// rawIDToken exchanges code at the provider's token endpoint as client id and returns
// the ID token it issues.
func rawIDToken(t *testing.T, p *devidp.Provider, id, secret, code string, ch sso.Challenge, redirect string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.Issuer()+"/oauth/token", strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {ch.Verifier}}.Encode()))
	req.SetBasicAuth(id, secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		IDToken string `json:"id_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.IDToken == "" {
		t.Fatalf("token endpoint: %s %v", resp.Status, err)
	}
	return body.IDToken
}
