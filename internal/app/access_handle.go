package app

import (
	"maps"
	"time"

	"atrium/internal/domain"
	"atrium/internal/policy"
)

// Access is one request's handle on what its caller may do in one account. Only
// App.Access makes one, from the one query that checks the session's user, the
// membership and the account; its fields are unexported, so code outside app can
// neither build one nor change what it says. Every use case inside an account takes
// the handle, and refuses one that is missing (the zero value) or older than
// accessMaxAge, so a handle cannot be kept and replayed after the access it proved
// has changed. View gives the plain facts for rendering.
type Access struct {
	d        domain.Access
	loadedAt time.Time
	// subject is what the login policy needs of the user to decide a step-up.
	subject policy.Subject
}

// accessMaxAge bounds how long a handle stays good: one request's lifetime.
const accessMaxAge = time.Minute

// View returns the facts of the handle (a copy: changing it changes nothing).
func (h Access) View() domain.Access {
	v := h.d
	v.Permissions = maps.Clone(h.d.Permissions)
	return v
}

// errNoAccess answers a handle that app did not make, or that has grown stale.
var errNoAccess = domain.Errorf(domain.ENOTFOUND, "Page not found.")

// open returns the facts of a handle this app made within accessMaxAge. Handles that
// app did not seal (the zero value, or the answer of a refused load) carry no load
// time, so they are as stale as can be.
func (a *App) open(h Access) (domain.Access, error) {
	if a.now().Sub(h.loadedAt) > accessMaxAge {
		return domain.Access{}, errNoAccess
	}
	return h.d, nil
}

// EntrySteps returns what a session that has proven proof still owes to enter the
// handle's account (step-up: policy.Entry); none for an account that does not enforce
// its rules on entry. A handle app did not make owes nothing and opens nothing.
func (h Access) EntrySteps(proof policy.Proof) []policy.Step {
	if h.loadedAt.IsZero() {
		return nil
	}
	return policy.Entry(policy.RulesOf(h.d.Account), h.subject, proof)
}
