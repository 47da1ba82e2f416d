package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"atrium/internal/domain"
	"atrium/web/pages"
)

// devMailList lists the development mailbox, newest first, in pages.
func (s *Server) devMailList(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	list, more, err := s.app.DevMailbox(r.Context(), page)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.DevMailList(pages.DevMailListProps{Messages: list, Page: page, More: more}))
}

// devMailShow shows one message of the development mailbox.
func (s *Server) devMailShow(w http.ResponseWriter, r *http.Request) {
	m, ok := s.devMessage(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, pages.DevMail(pages.DevMailProps{Message: m, Text: pages.Linkify(m.Text)}))
}

// devMailHTMLPolicy is the CSP of a message's HTML part: its inline styles, nothing
// else (no script, image, form or plugin), framed only by our own message page, and
// sandboxed even when opened on its own. Links open at the top, on a click.
const devMailHTMLPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'self'; " +
	"sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"

// devMailHTML serves a message's HTML part as it was sent, for the frame of
// devMailShow, under devMailHTMLPolicy.
func (s *Server) devMailHTML(w http.ResponseWriter, r *http.Request) {
	m, ok := s.devMessage(w, r)
	if !ok {
		return
	}
	body := m.HTML
	// Links leave the frame (whose own page may not be framed) for the whole tab.
	if i := strings.Index(body, "<head>"); i >= 0 {
		body = body[:i+len("<head>")] + `<base target="_top">` + body[i+len("<head>"):]
	} else {
		body = `<base target="_top">` + body
	}
	h := w.Header()
	h.Set("Content-Security-Policy", devMailHTMLPolicy)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(body))
}

func (s *Server) devMessage(w http.ResponseWriter, r *http.Request) (domain.OutboundMail, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id < 1 {
		s.fail(w, r, domain.Errorf(domain.ENOTFOUND, "Page not found."))
		return domain.OutboundMail{}, false
	}
	m, err := s.app.DevMessage(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return m, false
	}
	return m, true
}
