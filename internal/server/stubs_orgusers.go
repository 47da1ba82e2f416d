package server

import "net/http"

// Not built yet: these answer 501 until their handlers land.
func (s *Server) orgUsersList(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) orgUsersCreate(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) orgUserShow(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) orgUserGrant(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) orgUserRevoke(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) orgUserAddOwner(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) orgUserRemoveOwner(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}

func (s *Server) orgUserRemove(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not built yet", http.StatusNotImplemented)
}
