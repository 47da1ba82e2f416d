package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"atrium/internal/domain"
	"atrium/web/static"
)

// routes is every route of Atrium, grouped by middleware stack. Inside an account each
// route declares the permission it needs.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.logRequests, securityHeaders, http.NewCrossOriginProtection().Handler, s.sessions.LoadAndSave)

	// Public.
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Handle("/static/*", http.StripPrefix("/static/", staticFiles(static.FS)))
	r.Get("/favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/static/favicon.svg", http.StatusMovedPermanently)
	})
	r.Get("/login", s.loginShow)
	r.Post("/login", s.loginEmail)
	r.Get("/login/password", s.loginPasswordShow)
	r.Post("/login/password", s.loginPassword)
	r.Post("/logout", s.logout)
	r.Get("/set-password/{token}", s.setPasswordShow)
	r.Post("/set-password/{token}", s.setPassword)

	// Signed in, outside any account.
	r.Group(func(r chi.Router) {
		r.Use(s.requireUser)
		r.Get("/", s.landing)
		r.Get("/accounts", s.accountsList)
		r.Get("/profile", s.profileShow)
		r.Post("/profile/favourite", s.profileFavourite)
		r.Get("/org/{org}/", s.orgShow)
		r.Post("/org/{org}/rename", s.orgRename)
	})

	// Platform staff (everyone else gets 404).
	r.Group(func(r chi.Router) {
		r.Use(s.requireUser, s.requireStaff)
		r.Get("/staff/", s.staffShow)
		r.Post("/staff/organisations", s.staffCreateOrganisation)
		r.Post("/staff/accounts", s.staffCreateAccount)
		r.Post("/staff/owners", s.staffAppointOwner)
	})

	// Inside an account: /a/{account}/…, membership checked on every request.
	r.Route("/a/{account}", func(r chi.Router) {
		r.Use(s.requireAccount)
		r.With(s.require(domain.PermAccountView)).Get("/", s.accountHome)
	})

	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, domain.Errorf(domain.ENOTFOUND, "Page not found."))
	})
	return r
}
