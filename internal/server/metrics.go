package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"atrium/internal/domain"
)

// metrics are the server's Prometheus metrics. They are served by MetricsHandler on a
// listener of their own (ATRIUM_METRICS_ADDR), never on the public one.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	signIns  *prometheus.CounterVec
	hashWait prometheus.Histogram
}

func (s *Server) newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "atrium_http_request_duration_seconds", Help: "HTTP requests by route pattern, method and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method", "status"})
	m.signIns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "atrium_sign_ins_total", Help: "Sign-in attempts by outcome.",
	}, []string{"outcome"})
	m.hashWait = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "atrium_password_hash_wait_seconds", Help: "Time a password hash queued for one of the hash workers.",
		Buckets: []float64{.0005, .001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	})
	s.app.Hasher().ObserveWait(func(d time.Duration) { m.hashWait.Observe(d.Seconds()) })
	pool := func(name, help string, v func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "atrium_db_pool_" + name, Help: help}, v)
	}
	m.reg.MustRegister(m.requests, m.signIns, m.hashWait,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		pool("max_conns", "Most connections the pool may open.", func() float64 { return float64(s.app.PoolStats().Max) }),
		pool("total_conns", "Connections open.", func() float64 { return float64(s.app.PoolStats().Total) }),
		pool("idle_conns", "Connections idle.", func() float64 { return float64(s.app.PoolStats().Idle) }),
		pool("acquired_conns", "Connections in use.", func() float64 { return float64(s.app.PoolStats().Acquired) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "atrium_db_pool_acquires_total", Help: "Connections acquired."},
			func() float64 { return float64(s.app.PoolStats().Acquires) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "atrium_db_pool_empty_acquires_total",
			Help: "Acquisitions that had to wait for a connection."}, func() float64 { return float64(s.app.PoolStats().EmptyAcquires) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "atrium_db_pool_acquire_wait_seconds_total",
			Help: "Time spent waiting for connections."}, func() float64 { return s.app.PoolStats().AcquireWait.Seconds() }),
		&mailQueue{s: s,
			pending: prometheus.NewDesc("atrium_mail_queue_pending", "Email delivery jobs waiting or running.", nil, nil),
			failed:  prometheus.NewDesc("atrium_mail_failed", "Email messages that failed for good (listed in the staff console).", nil, nil)},
	)
	return m
}

// mailQueue reads the mail queue's depth and failures when scraped (one query).
type mailQueue struct {
	s               *Server
	pending, failed *prometheus.Desc
}

func (q *mailQueue) Describe(ch chan<- *prometheus.Desc) { ch <- q.pending; ch <- q.failed }

func (q *mailQueue) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	pending, failed, err := q.s.app.MailQueueCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(q.pending, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(q.pending, prometheus.GaugeValue, float64(pending))
	ch <- prometheus.MustNewConstMetric(q.failed, prometheus.GaugeValue, float64(failed))
}

// observeRequest records one request under its route pattern (never its path, which
// would carry ids and tokens).
func (m *metrics) observeRequest(r *http.Request, status int, d time.Duration) {
	route := "unmatched"
	if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
		route = rc.RoutePattern()
	}
	m.requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Observe(d.Seconds())
}

// Sign-in outcomes counted by atrium_sign_ins_total.
const (
	signInOK        = "signed_in"
	signInRefused   = "bad_credentials"
	signInThrottled = "throttled"
	signInInvalid   = "invalid_input"
	signInSSOOnly   = "sso_only"
	signInError     = "error"
)

func (s *Server) countSignIn(outcome string) { s.metrics.signIns.WithLabelValues(outcome).Inc() }

// signInOutcome names the outcome of a refused sign-in.
func signInOutcome(err error) string {
	switch domain.ErrorCode(err) {
	case domain.EUNAUTHORISED:
		return signInRefused
	case domain.ETOOMANY:
		return signInThrottled
	case domain.EINVALID:
		return signInInvalid
	case domain.EFORBIDDEN:
		return signInSSOOnly
	}
	return signInError
}

// MetricsHandler serves the metrics in Prometheus's text format. atrium serve mounts it
// on ATRIUM_METRICS_ADDR only.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}
