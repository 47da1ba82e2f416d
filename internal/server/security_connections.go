package server

import (
	"errors"
	"net/http"
	"strconv"

	"atrium/internal/app"
	"atrium/internal/domain"
	"atrium/web/pages"
)

// An organisation's SSO connections, managed from an account's security settings
// (account.security). A connection of another organisation is 404.

func connectionInput(r *http.Request) app.ConnectionInput {
	return app.ConnectionInput{Name: r.PostFormValue("name"), Protocol: r.PostFormValue("protocol"),
		Issuer: r.PostFormValue("issuer"), ClientID: r.PostFormValue("client_id"), ClientSecret: r.PostFormValue("client_secret"),
		Scopes: r.PostFormValue("scopes"), MetadataURL: r.PostFormValue("metadata_url"), MetadataXML: r.PostFormValue("metadata_xml")}
}

func (s *Server) renderConnection(w http.ResponseWriter, r *http.Request, status int, p pages.ConnectionProps) {
	access := currentAccess(r)
	title := "New single sign-on connection"
	if p.Connection.ID != 0 {
		title = p.Connection.Name
	}
	sh, err := s.shell(r.Context(), r, title+" · "+access.Account.Name, access.User, &access)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Shell, p.Account = sh, access.Account
	if p.Connection.ID != 0 {
		u := s.app.URLsOf(p.Connection.ID)
		p.Callback, p.ACS, p.Metadata, p.EntityID = u.Callback, u.ACS, u.Metadata, u.EntityID
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	s.render(w, r, status, pages.Connection(p))
}

// connectionNew shows the form for a new connection.
func (s *Server) connectionNew(w http.ResponseWriter, r *http.Request) {
	if _, err := s.app.SSOConnections(r.Context(), accessHandle(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	proto := r.URL.Query().Get("protocol")
	if proto != domain.ProtocolSAML {
		proto = domain.ProtocolOIDC
	}
	s.renderConnection(w, r, http.StatusOK, pages.ConnectionProps{Input: app.ConnectionInput{Protocol: proto, Scopes: "email profile"}})
}

// connectionCreate adds a connection to the organisation.
func (s *Server) connectionCreate(w http.ResponseWriter, r *http.Request) {
	in := connectionInput(r)
	c, err := s.app.CreateSSOConnection(r.Context(), actor(r), accessHandle(r), in)
	if err != nil {
		s.connectionRefused(w, r, err, pages.ConnectionProps{Input: in})
		return
	}
	s.sessions.Put(r.Context(), "flash", "Connection added. Give the identity provider's admin the addresses below, then test it.")
	http.Redirect(w, r, connectionPath(currentAccess(r).Account.Slug, c.ID), http.StatusSeeOther)
}

func (s *Server) connectionRefused(w http.ResponseWriter, r *http.Request, err error, p pages.ConnectionProps) {
	var e *domain.Error
	if errors.As(err, &e) && e.Code == domain.EINVALID {
		p.Input.ClientSecret = ""
		p.Errors = map[string]string{e.Field: e.Message}
		if e.Field == "" {
			p.Errors["name"] = e.Message
		}
		s.renderConnection(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	s.fail(w, r, err)
}

func (s *Server) connectionOf(w http.ResponseWriter, r *http.Request) (domain.SSOConnection, bool) {
	id := connectionParam(r)
	if id == 0 {
		s.fail(w, r, domain.Errorf(domain.ENOTFOUND, "Page not found."))
		return domain.SSOConnection{}, false
	}
	c, err := s.app.SSOConnection(r.Context(), accessHandle(r), id)
	if err != nil {
		s.fail(w, r, err)
		return c, false
	}
	return c, true
}

// connectionShow shows a connection: its settings, the addresses to give the identity
// provider, its last test.
func (s *Server) connectionShow(w http.ResponseWriter, r *http.Request) {
	c, ok := s.connectionOf(w, r)
	if !ok {
		return
	}
	s.renderConnection(w, r, http.StatusOK, pages.ConnectionProps{Connection: c, Input: inputOf(c)})
}

func inputOf(c domain.SSOConnection) app.ConnectionInput {
	return app.ConnectionInput{Name: c.Name, Protocol: c.Protocol, Issuer: c.Issuer, ClientID: c.ClientID, Scopes: c.Scopes,
		MetadataURL: c.IdPMetadataURL, MetadataXML: c.IdPMetadataXML}
}

// connectionUpdate changes a connection's settings.
func (s *Server) connectionUpdate(w http.ResponseWriter, r *http.Request) {
	c, ok := s.connectionOf(w, r)
	if !ok {
		return
	}
	in := connectionInput(r)
	if _, err := s.app.UpdateSSOConnection(r.Context(), actor(r), accessHandle(r), c.ID, in); err != nil {
		in.Protocol = c.Protocol
		s.connectionRefused(w, r, err, pages.ConnectionProps{Connection: c, Input: in})
		return
	}
	s.sessions.Put(r.Context(), "flash", "Connection saved. Test it again before relying on it.")
	http.Redirect(w, r, connectionPath(currentAccess(r).Account.Slug, c.ID), http.StatusSeeOther)
}

// connectionTest tests a connection: its configuration is fetched now, then the
// admin's browser makes a full round trip through the provider and comes back to
// the connection's page with the result. Nobody is signed in.
func (s *Server) connectionTest(w http.ResponseWriter, r *http.Request) {
	c, ok := s.connectionOf(w, r)
	if !ok {
		return
	}
	f, to, err := s.app.TestSSOConnection(r.Context(), actor(r), accessHandle(r), c.ID)
	if err != nil {
		if !app.IsSSORefusal(err) {
			s.fail(w, r, err)
			return
		}
		s.sessions.Put(r.Context(), "flash", "Test failed: "+domain.ErrorMessage(err))
		http.Redirect(w, r, connectionPath(currentAccess(r).Account.Slug, c.ID), http.StatusSeeOther)
		return
	}
	s.startFlow(w, r, f, to)
}

// ssoConnectionField reads the security form's connection choice (0: none).
func ssoConnectionField(r *http.Request) (int64, bool) {
	v := r.PostFormValue("sso_connection")
	if v == "" {
		return 0, true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	return id, err == nil && id > 0
}
