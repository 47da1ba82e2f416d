package server

import "net/http"

// profileFavourite makes another account the favourite (a star click).
func (s *Server) profileFavourite(w http.ResponseWriter, r *http.Request) {
	acc, err := s.app.SetFavourite(r.Context(), actor(r), r.PostFormValue("account"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "flash", acc.Name+" is now your favourite account; you will land there when you sign in.")
	http.Redirect(w, r, "/profile", http.StatusSeeOther)
}
