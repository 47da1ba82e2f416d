package sso_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crewjam/saml/samlidp"
	"golang.org/x/crypto/bcrypt"

	"atrium/internal/sso"
)

// samlIdP is a real SAML identity provider (crewjam's samlidp) on loopback, with
// one user, "ann" (password "pw", NameID ann@example.com).
type samlIdP struct {
	t   *testing.T
	URL string
}

func newSAMLIdP(t *testing.T) samlIdP {
	t.Helper()
	keyDER, certDER, err := sso.NewSPKeyPair("Test IdP")
	if err != nil {
		t.Fatal(err)
	}
	key, _ := x509.ParsePKCS8PrivateKey(keyDER)
	cert, _ := x509.ParseCertificate(certDER)
	var idp *samlidp.Server
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { idp.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	idp, err = samlidp.New(samlidp.Options{URL: *u, Key: key, Certificate: cert, Store: &samlidp.MemoryStore{},
		Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	p := samlIdP{t: t, URL: srv.URL}
	hash, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	user, _ := json.Marshal(samlidp.User{Name: "ann", Email: "ann@example.com", HashedPassword: hash})
	p.put("/users/ann", "application/json", user)
	return p
}

func (p samlIdP) put(path, contentType string, body []byte) {
	p.t.Helper()
	req, _ := http.NewRequest(http.MethodPut, p.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		p.t.Fatalf("PUT %s: %s", path, res.Status)
	}
}

// metadata is the provider's own metadata.
func (p samlIdP) metadata() []byte {
	p.t.Helper()
	b, err := sso.FetchSAMLMetadata(context.Background(), http.DefaultClient, p.URL+"/metadata")
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

// register tells the provider about the service provider s, under name.
func (p samlIdP) register(name string, s *sso.SAML) {
	p.t.Helper()
	md, err := s.Metadata()
	if err != nil {
		p.t.Fatal(err)
	}
	p.put("/services/"+name, "application/samlmetadata+xml", md)
}

var (
	samlRequestField  = regexp.MustCompile(`name="SAMLRequest" value="([^"]*)"`)
	samlResponseField = regexp.MustCompile(`name="SAMLResponse" value="([^"]+)"`)
)

// answer makes an authentication request of s, signs in at the provider as ann and
// returns the SAMLResponse the provider's page would post to the ACS, and the
// request's id.
func (p samlIdP) answer(s *sso.SAML) (samlResponse, requestID string) {
	p.t.Helper()
	authURL, requestID, err := s.AuthRequest("")
	if err != nil {
		p.t.Fatal(err)
	}
	form := p.fetch(http.Get(authURL))
	m := samlRequestField.FindSubmatch(form)
	if m == nil {
		p.t.Fatalf("no login form at the provider:\n%.600s", form)
	}
	page := p.fetch(http.PostForm(p.URL+"/sso", url.Values{"user": {"ann"}, "password": {"pw"},
		"SAMLRequest": {html.UnescapeString(string(m[1]))}}))
	if m = samlResponseField.FindSubmatch(page); m == nil {
		p.t.Fatalf("no SAMLResponse in the provider's answer:\n%.600s", page)
	}
	return html.UnescapeString(string(m[1])), requestID
}

func (p samlIdP) fetch(res *http.Response, err error) []byte {
	p.t.Helper()
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return b
}

// consumed is a replay cache in memory.
func consumed() sso.Consume {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(id string, _ time.Time) error {
		mu.Lock()
		defer mu.Unlock()
		if seen[id] {
			return sso.ErrReplay
		}
		seen[id] = true
		return nil
	}
}

// twoServiceProviders builds two service providers that differ only in their entity
// id: the same ACS and metadata URLs and the same key pair, so an answer meant for one
// passes every check at the other (destination, recipient, decryption) but the
// audience. Only a is registered at the provider.
func twoServiceProviders(t *testing.T, p samlIdP) (a, b *sso.SAML) {
	t.Helper()
	keyDER, certDER, err := sso.NewSPKeyPair("Atrium")
	if err != nil {
		t.Fatal(err)
	}
	md := p.metadata()
	build := func(entityID string) *sso.SAML {
		s, err := sso.NewSAML(sso.SAMLSettings{EntityID: entityID, ACSURL: "http://rp.test/sso/1/saml/acs",
			MetadataURL: "http://rp.test/sso/1/saml/metadata", KeyDER: keyDER, CertificateDER: certDER, IdPMetadata: md})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b = build("http://rp.test/sso/1/saml/metadata"), build("http://rp.test/sso/2/saml/metadata")
	p.register("a", a)
	return a, b
}

// TestSAMLVerify_RefusesAnotherAudience: an answer the provider made for service
// provider a is refused by b, whose entity id is not its audience, and says so; a
// accepts it.
func TestSAMLVerify_RefusesAnotherAudience(t *testing.T) {
	p := newSAMLIdP(t)
	a, b := twoServiceProviders(t, p)
	answer, requestID := p.answer(a)
	_, err := b.Verify(answer, requestID, consumed())
	if !errors.Is(err, sso.ErrAssertion) || !strings.Contains(err.Error(), "another service provider (audience)") {
		t.Fatalf("the answer for a, at b: %v, want a refusal naming the audience", err)
	}
	c, err := a.Verify(answer, requestID, consumed())
	if err != nil || c.Subject != "ann@example.com" || c.Email != "ann@example.com" {
		t.Fatalf("the answer at a: %+v, %v", c, err)
	}
}

// TestSAMLVerify_ConcurrentAnswersConsumeApart: answers verified at the same time by
// one connection each go through the consume function they were given, and only it.
func TestSAMLVerify_ConcurrentAnswersConsumeApart(t *testing.T) {
	p := newSAMLIdP(t)
	a, _ := twoServiceProviders(t, p)
	const n = 4
	type answer struct{ response, requestID string }
	answers := make([]answer, n)
	for i := range answers {
		answers[i].response, answers[i].requestID = p.answer(a)
	}
	counts := make([]int, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = a.Verify(answers[i].response, answers[i].requestID, func(string, time.Time) error {
				counts[i]++
				return nil
			})
		}()
	}
	wg.Wait()
	for i := range answers {
		if errs[i] != nil || counts[i] != 1 {
			t.Errorf("answer %d: %v, its consume called %d times, want once", i, errs[i], counts[i])
		}
	}
	// The connection keeps no consume function of its own: a replay is refused by the
	// one passed in.
	once := consumed()
	if _, err := a.Verify(answers[0].response, answers[0].requestID, once); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(answers[0].response, answers[0].requestID, once); !errors.Is(err, sso.ErrReplay) {
		t.Fatalf("replayed: %v, want ErrReplay", err)
	}
}

// TestFetchSAMLMetadata_RefusesWithoutRedirectBinding: fetched metadata that names
// no single sign-on service with the HTTP-Redirect binding is refused when fetched,
// as pasted metadata is (CheckSAMLMetadata) and NewSAML does.
func TestFetchSAMLMetadata_RefusesWithoutRedirectBinding(t *testing.T) {
	p := newSAMLIdP(t)
	postOnly := bytes.ReplaceAll(p.metadata(), []byte("bindings:HTTP-Redirect"), []byte("bindings:HTTP-POST"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(postOnly) }))
	t.Cleanup(srv.Close)
	const says = "no single sign-on service with the HTTP-Redirect binding"
	if _, err := sso.FetchSAMLMetadata(context.Background(), http.DefaultClient, srv.URL); !errors.Is(err, sso.ErrMetadata) ||
		!strings.Contains(err.Error(), says) {
		t.Fatalf("fetched: %v, want ErrMetadata saying %q", err, says)
	}
	if err := sso.CheckSAMLMetadata(postOnly); !errors.Is(err, sso.ErrMetadata) || !strings.Contains(err.Error(), says) {
		t.Fatalf("pasted: %v", err)
	}
	keyDER, certDER, _ := sso.NewSPKeyPair("Atrium")
	if _, err := sso.NewSAML(sso.SAMLSettings{EntityID: "e", ACSURL: "http://rp.test/acs", MetadataURL: "http://rp.test/md",
		KeyDER: keyDER, CertificateDER: certDER, IdPMetadata: postOnly}); !errors.Is(err, sso.ErrMetadata) ||
		!strings.Contains(err.Error(), says) {
		t.Fatalf("NewSAML: %v", err)
	}
}
