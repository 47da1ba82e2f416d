package server

import (
	"math"
	"net/http"
	"strconv"

	"atrium/internal/domain"
	"atrium/web/pages"
)

// errBadForm answers a request body that cannot be read as a form. It is never taken
// for an empty form: an empty scope would mean "all lists".
var errBadForm = domain.Errorf(domain.EINVALID, "The form could not be read. Please reload the page and try again.")

// parseForms reads every form body before routing, so a body that fails to parse is
// refused (422) and never reaches a handler as empty values.
func (s *Server) parseForms(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil {
				s.fail(w, r, errBadForm)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// statusOf is the one table turning error codes into HTTP statuses.
var statusOf = map[string]int{
	domain.EINVALID:      http.StatusUnprocessableEntity,
	domain.ENOTFOUND:     http.StatusNotFound,
	domain.EFORBIDDEN:    http.StatusForbidden,
	domain.EUNAUTHORISED: http.StatusUnauthorized,
	domain.ECONFLICT:     http.StatusConflict,
	domain.EINVARIANT:    http.StatusConflict,
	domain.EREVOKED:      http.StatusForbidden,
	domain.ECLOSED:       http.StatusGone,
	domain.ETOOMANY:      http.StatusTooManyRequests,
	domain.EINTERNAL:     http.StatusInternalServerError,
	domain.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// ErrorStatus returns the HTTP status for err.
func ErrorStatus(err error) int {
	if st, ok := statusOf[domain.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

var titles = map[string]string{
	domain.ENOTFOUND:    "Page not found",
	domain.EFORBIDDEN:   "You don't have access to this",
	domain.EREVOKED:     "Access revoked",
	domain.ECLOSED:      "Account closed",
	domain.ECONFLICT:    "That could not be saved",
	domain.EINVARIANT:   "That could not be saved",
	domain.EINVALID:     "Check what you entered",
	domain.ETOOMANY:     "Too many attempts",
	domain.EUNAVAILABLE: "Atrium is briefly unavailable",
}

// fail renders err as a full page with its status; internal errors are logged and the
// user sees a plain message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := domain.ErrorCode(err)
	switch code {
	case domain.EINTERNAL:
		s.log.ErrorContext(r.Context(), "request failed", "err", err, "request_id", requestID(r.Context()))
	case domain.EUNAVAILABLE:
		s.log.WarnContext(r.Context(), "database unavailable", "err", err, "request_id", requestID(r.Context()))
		setRetryAfter(w, err)
	}
	if code == domain.EUNAUTHORISED {
		s.toLogin(w, r)
		return
	}
	title := titles[code]
	if title == "" {
		title = "Something went wrong"
	}
	body := domain.ErrorMessage(err)
	if code == domain.ENOTFOUND {
		body = "There is nothing here, or you do not have access to it."
	}
	signedIn := s.userID(r) != 0
	link, text := "/", "Go to my accounts"
	if !signedIn {
		link, text = "/login", "Sign in"
	}
	s.render(w, r, ErrorStatus(err), pages.Message(pages.MessageProps{Title: title, Body: body, LinkHref: link, LinkText: text, SignedIn: signedIn}))
}

// setRetryAfter tells the client when an ETOOMANY answer may change, when known.
func setRetryAfter(w http.ResponseWriter, err error) {
	if wait := domain.ErrorRetryAfter(err); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	}
}
