package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"atrium/internal/domain"
	"atrium/internal/textin"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyUser
	keyAccess
)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests gives each request an id and logs method, path (with one-time tokens
// cut out), status and duration. Cookies, tokens and form values are never logged.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic", "request_id", id, "panic", p)
				if sw.status == 0 {
					http.Error(sw, "Something went wrong on our side.", http.StatusInternalServerError)
				}
			}
			took := time.Since(start)
			s.metrics.observeRequest(r, sw.status, took)
			s.log.Info("request", "request_id", id, "method", r.Method, "path", redactPath(r.URL.Path),
				"status", sw.status, "duration_ms", float64(took.Microseconds())/1000, "ip", clientIP(r))
		}()
		ip := clientAddress(r, s.cfg.TrustedProxies)
		r = r.WithContext(context.WithValue(context.WithValue(r.Context(), keyRequestID, id), keyClientIP, ip))
		next.ServeHTTP(sw, r)
	})
}

// redactPath hides the secret part of one-time-token URLs.
func redactPath(p string) string {
	for _, prefix := range []string{"/set-password/", "/invitations/", "/reset-password/", "/confirm-email/"} {
		if strings.HasPrefix(p, prefix) && len(p) > len(prefix) {
			return prefix + "[token]"
		}
	}
	return p
}

// securityHeaders sets the headers every response carries: a CSP without inline
// script, no framing, no MIME sniffing, a same-origin referrer.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// refuseBadPaths answers 404 to a path that is not text: bytes that are not UTF-8, or
// control or bidirectional formatting characters (textin's rules for one line). Such a
// path names nothing, so the slugs, ids and tokens routes read from paths are always
// text before anything looks them up.
func (s *Server) refuseBadPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !utf8.ValidString(r.URL.Path) || strings.IndexFunc(r.URL.Path, textin.IsLineBreakOrControl) >= 0 ||
			strings.IndexFunc(r.URL.Path, textin.IsBidi) >= 0 {
			s.fail(w, r, domain.Errorf(domain.ENOTFOUND, "Page not found."))
			return
		}
		next.ServeHTTP(w, r)
	})
}
