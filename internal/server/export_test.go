package server

import "net/http"

// RedactPath exposes redactPath to the external tests.
var RedactPath = redactPath

// Routes exposes the router so tests can walk every registered route.
func (s *Server) Routes() http.Handler { return s.routes() }
