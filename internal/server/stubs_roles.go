package server

import "net/http"

// Not built yet: these answer 501 until their handlers land.
func (s *Server) rolesList(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) rolesCreate(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) roleEdit(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) roleUpdate(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) roleDelete(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}
