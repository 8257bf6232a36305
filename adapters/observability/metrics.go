// Package observability is the metrics adapter: it turns the use cases'
// events, finished HTTP requests, the password-hashing pool's hooks and the
// database pool's statistics into Prometheus metrics on a registry of its own.
//
// Label values come only from fixed vocabularies (route templates, HTTP
// methods and statuses, event outcomes), never from ids, emails or tokens, so
// the number of series stays bounded whatever clients send.
package observability

import (
	"context"
	"database/sql"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jarvis/jarvis-auth/application/auth"
)

// namespace prefixes every metric of the service.
const namespace = "jarvis_auth"

// OtherOutcome is the outcome label of any event outcome outside the known
// vocabulary of its kind.
const OtherOutcome = "other"

// otherMethod is the method label of any non-standard HTTP method.
const otherMethod = "OTHER"

// requestBuckets span a cheap /health (sub-millisecond) to a login that
// queued for the hashing pool (seconds).
var requestBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// hashWaitBuckets span an idle pool (well under a millisecond) to the pool's
// maximum wait (security.DefaultMaxWait is 2s), where callers get a 503.
var hashWaitBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 5}

// outcomes is the known vocabulary of each event kind (see application/auth).
// Each series is created at zero up front, so rates work from the first
// scrape; anything else is counted as OtherOutcome.
var outcomes = map[string][]string{
	"login":        {"success", "invalid_credentials", "inactive_user", "overloaded", "unavailable", "error"},
	"register":     {"success", "email_taken", "username_taken", "validation_failed", "overloaded", "unavailable", "error"},
	"refresh":      {"rotated", "replay_successor", "replay_grace", "reused", "invalid", "error"},
	"access_token": {"invalid_token", "inactive_user"},
	"logout":       {"success"},
	"rehash":       {"success", "error"},
}

// methods maps each standard HTTP method to its own constant. The label
// must never be the caller's string: Fiber's c.Method() points into a
// request buffer that is reused after the handler returns.
var methods = map[string]string{
	http.MethodGet: http.MethodGet, http.MethodHead: http.MethodHead, http.MethodPost: http.MethodPost,
	http.MethodPut: http.MethodPut, http.MethodPatch: http.MethodPatch, http.MethodDelete: http.MethodDelete,
	http.MethodOptions: http.MethodOptions, http.MethodConnect: http.MethodConnect, http.MethodTrace: http.MethodTrace,
}

// Metrics records the service's metrics. It implements auth.Observer and
// httpapi.RequestObserver; all methods are safe for concurrent use and never
// block.
type Metrics struct {
	reg *prometheus.Registry

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	series   sync.Map // requestKey -> requestSeries

	events map[string]*outcomeCounter // by event kind
	reuse  prometheus.Counter

	hashWait      prometheus.Histogram
	hashMalformed prometheus.Counter

	db *dbStatsCollector
}

// NewMetrics registers the service's metrics, the Go runtime and process
// collectors and the build info on reg, which should be a fresh registry (it
// panics on a duplicate registration). A nil reg gets a new one. An empty
// version is reported as "unknown".
func NewMetrics(reg *prometheus.Registry, version string) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	if version == "" {
		version = "unknown"
	}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
	}
	m := &Metrics{
		reg: reg,
		requests: counter("http_requests_total",
			"HTTP requests by route template, method and status.", "route", "method", "status"),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds",
			Help:    "HTTP request latency by route template and method.",
			Buckets: requestBuckets,
		}, []string{"route", "method"}),
		reuse: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "refresh_token_reuse_total",
			Help: "Refresh tokens presented again after their successor was used (possible theft).",
		}),
		hashWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "password_hash_queue_wait_seconds",
			Help:    "Time password hashes and checks waited for a free worker of the bounded hashing pool.",
			Buckets: hashWaitBuckets,
		}),
		hashMalformed: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "password_hash_malformed_total",
			Help: "Stored password hashes that could not be read (the login was refused).",
		}),
		db: newDBStatsCollector(),
	}
	m.events = map[string]*outcomeCounter{
		"login":        newOutcomeCounter(counter("logins_total", "Logins by outcome.", "outcome"), outcomes["login"]),
		"refresh":      newOutcomeCounter(counter("refreshes_total", "Refresh-token presentations by outcome.", "outcome"), outcomes["refresh"]),
		"register":     newOutcomeCounter(counter("registrations_total", "Registrations by outcome.", "outcome"), outcomes["register"]),
		"access_token": newOutcomeCounter(counter("access_token_refusals_total", "Access tokens refused at /auth/me by reason.", "outcome"), outcomes["access_token"]),
		"logout":       newOutcomeCounter(counter("logouts_total", "Logouts that ended a session, by outcome.", "outcome"), outcomes["logout"]),
		"rehash":       newOutcomeCounter(counter("password_rehashes_total", "Password hashes upgraded to the configured cost at login, by outcome.", "outcome"), outcomes["rehash"]),
	}

	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "build_info",
		Help:        "Always 1; the labels name the running build.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
	})
	buildInfo.Set(1)

	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo,
		m.requests, m.duration, m.reuse, m.hashWait, m.hashMalformed, m.db,
	)
	for _, c := range m.events {
		reg.MustRegister(c.vec)
	}
	return m
}

// ObserveRequest implements httpapi.RequestObserver. route must be a route
// template or "unmatched", never a raw path. The strings need only be valid
// during the call: the labels are copies.
func (m *Metrics) ObserveRequest(route, method string, status int, elapsed time.Duration) {
	canonical, ok := methods[method]
	if !ok {
		canonical = otherMethod
	}
	key := requestKey{route: route, method: canonical, status: status}
	s, ok := m.series.Load(key)
	if !ok {
		// First request of this series: copy the route, which may point
		// into a buffer the caller reuses, before it becomes a label.
		key.route = strings.Clone(route)
		s, _ = m.series.LoadOrStore(key, requestSeries{
			count:   m.requests.WithLabelValues(key.route, key.method, strconv.Itoa(status)),
			latency: m.duration.WithLabelValues(key.route, key.method),
		})
	}
	rs := s.(requestSeries)
	rs.count.Inc()
	rs.latency.Observe(elapsed.Seconds())
}

// requestKey names one series of the request counter.
type requestKey struct {
	route, method string
	status        int
}

// requestSeries are the resolved children of one requestKey, so a request
// costs one map lookup and two atomic updates.
type requestSeries struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// Observe implements auth.Observer. Only the kind and outcome are used; the
// user and session ids stay out of metrics. Kinds it does not know are
// ignored, outcomes it does not know count as OtherOutcome.
func (m *Metrics) Observe(_ context.Context, e auth.Event) {
	c, ok := m.events[e.Kind]
	if !ok {
		return
	}
	c.inc(e.Outcome)
	if e.Kind == "refresh" && e.Outcome == "reused" {
		m.reuse.Inc()
	}
}

// ObserveHashWait records how long a hash or check waited for a worker of
// the hashing pool (security.BcryptConfig.OnWait).
func (m *Metrics) ObserveHashWait(d time.Duration) { m.hashWait.Observe(d.Seconds()) }

// HashMalformed counts a stored hash the hasher could not read
// (security.BcryptConfig.OnMalformedHash).
func (m *Metrics) HashMalformed() { m.hashMalformed.Inc() }

// WatchDB reports the connection-pool statistics that stats returns at each
// scrape. A later call replaces the earlier source; nil stops reporting.
func (m *Metrics) WatchDB(stats func() sql.DBStats) { m.db.watch(stats) }

// Handler serves the registry in the Prometheus exposition format (text by
// default, negotiated by the Accept header).
func (m *Metrics) Handler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// Serve what could be gathered rather than nothing when one
		// collector fails; the error count says it happened.
		ErrorHandling:       promhttp.ContinueOnError,
		Registry:            m.reg,
		MaxRequestsInFlight: 4,
	}))
}

// outcomeCounter is a counter by outcome whose known series are resolved up
// front, so counting is one atomic add.
type outcomeCounter struct {
	vec   *prometheus.CounterVec
	known map[string]prometheus.Counter
	other prometheus.Counter
}

func newOutcomeCounter(vec *prometheus.CounterVec, known []string) *outcomeCounter {
	c := &outcomeCounter{vec: vec, known: make(map[string]prometheus.Counter, len(known)), other: vec.WithLabelValues(OtherOutcome)}
	for _, o := range known {
		c.known[o] = vec.WithLabelValues(o)
	}
	return c
}

func (c *outcomeCounter) inc(outcome string) {
	if k, ok := c.known[outcome]; ok {
		k.Inc()
		return
	}
	c.other.Inc()
}
