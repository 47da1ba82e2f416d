package server

import "net/http"

// Not built yet: these answer 501 until their handlers land.
func (s *Server) membersList(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) membersChangeRole(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) membersDeactivate(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) membersReactivate(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) membersRemove(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) membersTransfer(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) settingsShow(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) accountClose(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) staffSetPlan(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) staffReopen(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}
