package server_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml/samlidp"
	"golang.org/x/crypto/bcrypt"

	"atrium/internal/auth"
	"atrium/internal/domain"
	"atrium/internal/pgtest"
	"atrium/internal/sso"
)

// samlIdP is a real SAML identity provider (crewjam's samlidp) on loopback.
type samlIdP struct {
	t   *testing.T
	URL string
}

func (e *env) samlIdP(t *testing.T) samlIdP {
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
	return samlIdP{t: t, URL: srv.URL}
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

// addUser adds someone who signs in at the provider with the password "pw"; their
// NameID (our subject) is their email.
func (p samlIdP) addUser(name, email string) {
	p.t.Helper()
	hash, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	b, _ := json.Marshal(samlidp.User{Name: name, Email: email, HashedPassword: hash})
	p.put("/users/"+name, "application/json", b)
}

// samlConnection stores a SAML connection of org to the provider (its metadata by
// URL), with a key pair sealed as the app seals it, and registers our service
// provider at the provider under name.
func (e *env) samlConnection(org domain.Organisation, name string, p samlIdP) domain.SSOConnection {
	return e.samlConnectionWith(org, name, p, true)
}

var encryptionKey = regexp.MustCompile(`(?s)<(\w+:)?KeyDescriptor use="encryption".*?</(\w+:)?KeyDescriptor>`)

// samlConnectionWith is samlConnection; without encrypt, the provider is not told our
// encryption key, so its assertions come in the clear (signed).
func (e *env) samlConnectionWith(org domain.Organisation, name string, p samlIdP, encrypt bool) domain.SSOConnection {
	e.t.Helper()
	sealer, _ := auth.NewSealer(pgtest.SecretKey)
	keyDER, certDER, err := sso.NewSPKeyPair("Atrium " + name)
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := e.Store.CreateSSOConnection(context.Background(), domain.SSOConnection{OrganisationID: org.ID, Name: name,
		Protocol: domain.ProtocolSAML, IdPMetadataURL: p.URL + "/metadata",
		SPKey: sealer.Seal(keyDER, "sso-sp-key:"+strconv.FormatInt(org.ID, 10)), SPCertificate: certDER})
	if err != nil {
		e.t.Fatal(err)
	}
	res, md := e.client().get("/sso/" + strconv.FormatInt(c.ID, 10) + "/saml/metadata")
	if res.StatusCode != http.StatusOK {
		e.t.Fatalf("SP metadata: %d", res.StatusCode)
	}
	if !encrypt {
		if !encryptionKey.MatchString(md) {
			e.t.Fatal("no encryption key in our metadata")
		}
		md = encryptionKey.ReplaceAllString(md, "")
	}
	p.put("/services/"+strconv.FormatInt(c.ID, 10), "application/samlmetadata+xml", []byte(md))
	return c
}

var samlResponseField = regexp.MustCompile(`name="SAMLResponse" value="([^"]+)"`)

// samlAnswer follows our redirect to the provider, signs in there as user and returns
// the SAMLResponse the provider's page would post to our ACS.
func (c *client) samlAnswer(authURL, user string) string {
	c.t.Helper()
	u, _ := url.Parse(authURL)
	res, err := http.PostForm(u.Scheme+"://"+u.Host+"/sso", url.Values{"user": {user}, "password": {"pw"},
		"SAMLRequest": {samlRequestOf(c.t, authURL)}, "RelayState": {u.Query().Get("RelayState")}})
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	m := samlResponseField.FindSubmatch(b)
	if m == nil {
		c.t.Fatalf("no SAMLResponse in the provider's answer (%s):\n%.600s", res.Status, b)
	}
	return html.UnescapeString(string(m[1]))
}

// samlRequestOf reads the provider's login form for authURL and returns the
// SAMLRequest it carries (the deflated request, re-encoded for the POST binding).
func samlRequestOf(t testing.TB, authURL string) string {
	t.Helper()
	res, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`name="SAMLRequest" value="([^"]*)"`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no login form at the provider (%s):\n%.600s", res.Status, b)
	}
	return html.UnescapeString(string(m[1]))
}

// postACS posts an answer to the connection's ACS as the provider's page would (a
// cross-site form POST).
func (c *client) postACS(conn domain.SSOConnection, samlResponse string) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.e.URL+"/sso/"+strconv.FormatInt(conn.ID, 10)+"/saml/acs",
		strings.NewReader(url.Values{"SAMLResponse": {samlResponse}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://idp.invalid")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func samlSetup(t *testing.T) (*env, world, samlIdP, domain.SSOConnection) {
	e := newEnv(t)
	w := e.world()
	p := e.samlIdP(t)
	p.addUser("agency", w.Agency.Email)
	p.addUser("b", w.OwnerB.Email)
	c := e.samlConnection(w.OrgA, "Alpha SAML", p)
	e.ssoOnly(w.AccA1, c, false, false)
	e.favourite(w.Agency, w.AccA1)
	return e, w, p, c
}

// samlStart takes the email step and returns the provider's authorisation URL.
func (c *client) samlStart(email string) string {
	c.t.Helper()
	return c.emailToProvider(email)
}

func TestSAMLSignIn_RoundTripLandsOnFavourite(t *testing.T) {
	e, w, _, c := samlSetup(t)
	e.linkIdentity(c, w.Agency.Email, w.Agency) // samlidp's NameID is the email
	cl := e.client()
	answer := cl.samlAnswer(cl.samlStart(w.Agency.Email), "agency")
	res, body := cl.postACS(c, answer)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("ACS: %d\n%s", res.StatusCode, excerpt(body))
	}
	res, body = cl.get(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("continue: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), excerpt(body))
	}
	if res, _ := cl.get("/a/" + w.AccA1.Slug + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("favourite: %d", res.StatusCode)
	}
}

func TestSAMLSignIn_Refusals(t *testing.T) {
	t.Run("unsigned assertion", func(t *testing.T) {
		e, w, p, _ := samlSetup(t)
		c := e.samlConnectionWith(w.OrgA, "Alpha SAML clear", p, false)
		e.ssoOnly(w.AccA1, c, false, false)
		cl := e.client()
		raw, _ := base64.StdEncoding.DecodeString(cl.samlAnswer(cl.samlStart(w.Agency.Email), "agency"))
		unsigned := regexp.MustCompile(`(?s)<ds:Signature.*?</ds:Signature>`).ReplaceAll(raw, nil)
		if bytes.Equal(unsigned, raw) || bytes.Contains(unsigned, []byte("Signature")) {
			t.Fatalf("the answer's signatures were not removed:\n%s", unsigned)
		}
		res, body := cl.postACS(c, base64.StdEncoding.EncodeToString(unsigned))
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "signed") {
			t.Fatalf("%d\n%s", res.StatusCode, excerpt(body))
		}
	})
	t.Run("replayed assertion", func(t *testing.T) {
		e, w, _, c := samlSetup(t)
		e.linkIdentity(c, w.Agency.Email, w.Agency)
		cl := e.client()
		answer := cl.samlAnswer(cl.samlStart(w.Agency.Email), "agency")
		if res, _ := cl.postACS(c, answer); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("first post: %d", res.StatusCode)
		}
		// Even were the request still open (the answer posted to two instances at
		// once), the replay cache in PostgreSQL refuses the same assertion again.
		e.exec(`UPDATE sso_saml_requests SET result = NULL`)
		res, body := e.client().postACS(c, answer)
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "used already") {
			t.Fatalf("replay: %d\n%s", res.StatusCode, excerpt(body))
		}
	})
	t.Run("expired assertion", func(t *testing.T) {
		e, w, _, c := samlSetup(t)
		cl := e.client()
		answer := cl.samlAnswer(cl.samlStart(w.Agency.Email), "agency")
		e.App.SetClock(func() time.Time { return time.Now().Add(6 * time.Minute) })
		res, body := cl.postACS(c, answer)
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "expired") {
			t.Fatalf("%d\n%s", res.StatusCode, excerpt(body))
		}
	})
	t.Run("wrong audience", func(t *testing.T) {
		e, w, p, c := samlSetup(t)
		other := e.samlConnection(w.OrgA, "Alpha SAML 2", p)
		cl := e.client()
		answer := cl.samlAnswer(cl.samlStart(w.Agency.Email), "agency")
		// The answer is for c; have other's ACS believe it asked for it.
		e.exec(`UPDATE sso_saml_requests SET connection_id = $1`, other.ID)
		res, body := cl.postACS(other, answer)
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "another") {
			t.Fatalf("%d\n%s", res.StatusCode, excerpt(body))
		}
		_ = c
	})
	t.Run("an answer to no request of ours", func(t *testing.T) {
		e, w, _, c := samlSetup(t)
		cl := e.client()
		answer := cl.samlAnswer(cl.samlStart(w.Agency.Email), "agency")
		e.exec(`DELETE FROM sso_saml_requests`)
		if res, _ := cl.postACS(c, answer); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%d", res.StatusCode)
		}
	})
	t.Run("provider of organisation A asserting the email of a user of organisation B", func(t *testing.T) {
		e, w, _, c := samlSetup(t)
		cl := e.client()
		answer := cl.samlAnswer(cl.samlStart(w.Agency.Email), "b")
		res, _ := cl.postACS(c, answer)
		res, body := cl.get(res.Header.Get("Location"))
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "not as") {
			t.Fatalf("%d\n%s", res.StatusCode, excerpt(body))
		}
		if n := e.count(`SELECT count(*) FROM sso_identities`); n != 0 {
			t.Fatalf("%d identities linked", n)
		}
	})
}
