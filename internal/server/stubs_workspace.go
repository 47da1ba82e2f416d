package server

import "net/http"

// Not built yet: these answer 501 until their handlers land.
func (s *Server) campaignsList(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) campaignsCreate(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) campaignShow(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) campaignUpdate(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) campaignPublish(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) listsList(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) listsCreate(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) listShow(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) listUpdate(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) listAddContact(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}
