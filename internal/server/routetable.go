package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"atrium/internal/domain"
)

// Guard says who may reach a route. Every route is registered with one, so a test can
// walk the router and derive the expected status for every caller.
type Guard struct {
	Kind       GuardKind
	Permission domain.Permission // for KindAccount
}

// GuardKind is the class of caller a route admits.
type GuardKind int

// The guard kinds.
const (
	KindPublic   GuardKind = iota // anyone
	KindUser                      // any signed-in user
	KindOrgOwner                  // owners of the organisation in the URL (others: 404)
	KindStaff                     // platform staff (others: 404)
	KindAccount                   // members of the account in the URL holding Permission
)

// routeTable registers routes on a chi router and remembers each one's guard.
type routeTable struct {
	guards map[string]Guard
}

func (t *routeTable) handle(r chi.Router, prefix, method, pattern string, g Guard, h http.HandlerFunc) {
	t.guards[method+" "+prefix+pattern] = g
	r.Method(method, pattern, h)
}

// Guards returns every registered route ("METHOD /pattern") with its guard.
func (s *Server) Guards() map[string]Guard {
	out := make(map[string]Guard, len(s.guards.guards))
	for k, v := range s.guards.guards {
		out[k] = v
	}
	return out
}
