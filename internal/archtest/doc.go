// Package archtest holds the test that keeps Atrium's imports pointing inward:
// cmd -> server -> app -> {store, auth, sso, mail, policy} -> domain, server -> web -> domain.
package archtest
