package server

import (
	"log/slog"
	"net/http"

	"atrium/internal/app"
	"atrium/internal/devidp"
)

// newDevIdP builds the development identity provider for the demo (ATRIUM_DEV only):
// its issuer is base + devIdPPath, its one client the demo connection's, redirecting
// to any connection's callback at base, and its people app.DemoIdentities.
func newDevIdP(base string, log *slog.Logger) http.Handler {
	var people []devidp.Identity
	for _, i := range app.DemoIdentities {
		people = append(people, devidp.Identity{Subject: i.Subject, Email: i.Email, EmailVerified: true, Name: i.Name})
	}
	p, err := devidp.New(base+devIdPPath, []devidp.Client{{ID: app.DemoIdPClientID, Secret: app.DemoIdPClientSecret,
		RedirectURIs: []string{base + "/sso/*/callback"}}}, people)
	if err != nil {
		log.Error("development identity provider", "err", err)
		return nil
	}
	return p
}
