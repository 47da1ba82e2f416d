package server

import "net/http"

// Not built yet: these answer 501 until their handlers land.
func (s *Server) orgActivity(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) accountActivity(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}
