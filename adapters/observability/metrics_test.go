package observability_test

import (
	"context"
	"database/sql"
	"io"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jarvis/jarvis-auth/adapters/observability"
	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/domain/session"
	"github.com/jarvis/jarvis-auth/domain/user"
)

// scrape serves GET /metrics through the metrics' own handler and returns
// the raw text and the parsed families.
func scrape(t *testing.T, m *observability.Metrics) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	app := fiber.New()
	app.Get("/metrics", m.Handler())
	resp, err := app.Test(httptest.NewRequest("GET", "/metrics", nil), -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	p := expfmt.NewTextParser(model.LegacyValidation)
	families, err := p.TextToMetricFamilies(strings.NewReader(string(raw)))
	require.NoError(t, err, "the exposition parses as Prometheus text")
	return string(raw), families
}

// find returns the sample of family name whose labels include want.
func find(families map[string]*dto.MetricFamily, name string, want map[string]string) (*dto.Metric, bool) {
	mf, ok := families[name]
	if !ok {
		return nil, false
	}
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			if have[k] != v {
				match = false
				break
			}
		}
		if match {
			return m, true
		}
	}
	return nil, false
}

// value is the counter, gauge or untyped value of a sample, or -1 when the
// sample is missing.
func value(families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	m, ok := find(families, name, labels)
	switch {
	case !ok:
		return -1
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	default:
		return m.GetUntyped().GetValue()
	}
}

func newMetrics() *observability.Metrics {
	return observability.NewMetrics(prometheus.NewRegistry(), "1.2.3")
}

func TestMetrics_Observe_CountsEventsByKindAndOutcome(t *testing.T) {
	tests := []struct {
		name    string
		event   auth.Event
		metric  string
		outcome string
	}{
		{"successful login", auth.Event{Kind: "login", Outcome: "success"}, "jarvis_auth_logins_total", "success"},
		{"wrong password", auth.Event{Kind: "login", Outcome: "invalid_credentials"}, "jarvis_auth_logins_total", "invalid_credentials"},
		{"inactive user", auth.Event{Kind: "login", Outcome: "inactive_user"}, "jarvis_auth_logins_total", "inactive_user"},
		{"hashing pool full", auth.Event{Kind: "login", Outcome: "overloaded"}, "jarvis_auth_logins_total", "overloaded"},
		{"rotation", auth.Event{Kind: "refresh", Outcome: "rotated"}, "jarvis_auth_refreshes_total", "rotated"},
		{"replayed successor", auth.Event{Kind: "refresh", Outcome: "replay_successor"}, "jarvis_auth_refreshes_total", "replay_successor"},
		{"replay within grace", auth.Event{Kind: "refresh", Outcome: "replay_grace"}, "jarvis_auth_refreshes_total", "replay_grace"},
		{"invalid refresh token", auth.Event{Kind: "refresh", Outcome: "invalid"}, "jarvis_auth_refreshes_total", "invalid"},
		{"registration", auth.Event{Kind: "register", Outcome: "success"}, "jarvis_auth_registrations_total", "success"},
		{"email taken", auth.Event{Kind: "register", Outcome: "email_taken"}, "jarvis_auth_registrations_total", "email_taken"},
		{"refused access token", auth.Event{Kind: "access_token", Outcome: "invalid_token"}, "jarvis_auth_access_token_refusals_total", "invalid_token"},
		{"logout", auth.Event{Kind: "logout", Outcome: "success"}, "jarvis_auth_logouts_total", "success"},
		{"rehash", auth.Event{Kind: "rehash", Outcome: "success"}, "jarvis_auth_password_rehashes_total", "success"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMetrics()
			m.Observe(context.Background(), tt.event)
			m.Observe(context.Background(), tt.event)
			_, fams := scrape(t, m)
			assert.Equal(t, 2.0, value(fams, tt.metric, map[string]string{"outcome": tt.outcome}))
			assert.Equal(t, 0.0, value(fams, tt.metric, map[string]string{"outcome": observability.OtherOutcome}))
		})
	}
}

func TestMetrics_Observe_UnknownOutcome_CountsAsOther(t *testing.T) {
	tests := []struct {
		name   string
		kind   string
		metric string
	}{
		{"login", "login", "jarvis_auth_logins_total"},
		{"refresh", "refresh", "jarvis_auth_refreshes_total"},
		{"register", "register", "jarvis_auth_registrations_total"},
		{"access token", "access_token", "jarvis_auth_access_token_refusals_total"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMetrics()
			for _, outcome := range []string{"brand_new_outcome", "user 42 did something", ""} {
				m.Observe(context.Background(), auth.Event{Kind: tt.kind, Outcome: outcome})
			}
			_, fams := scrape(t, m)
			assert.Equal(t, 3.0, value(fams, tt.metric, map[string]string{"outcome": observability.OtherOutcome}))
			for _, s := range fams[tt.metric].GetMetric() {
				assert.NotContains(t, s.GetLabel()[0].GetValue(), "brand_new", "unknown outcomes never become labels")
			}
		})
	}
}

func TestMetrics_Observe_UnknownKind_IsIgnored(t *testing.T) {
	m := newMetrics()
	_, before := scrape(t, m)
	m.Observe(context.Background(), auth.Event{Kind: "teleport", Outcome: "success"})
	_, after := scrape(t, m)
	assert.Equal(t, len(before), len(after))
	assert.Equal(t, 0.0, value(after, "jarvis_auth_logins_total", map[string]string{"outcome": "success"}))
}

func TestMetrics_Observe_ReusedRefresh_CountsReuseDetection(t *testing.T) {
	m := newMetrics()
	_, fams := scrape(t, m)
	require.Equal(t, 0.0, value(fams, "jarvis_auth_refresh_token_reuse_total", nil), "exported at zero")

	m.Observe(context.Background(), auth.Event{Kind: "refresh", Outcome: "reused", UserID: 7, SessionID: 9})
	m.Observe(context.Background(), auth.Event{Kind: "refresh", Outcome: "rotated", UserID: 7, SessionID: 9})
	m.Observe(context.Background(), auth.Event{Kind: "login", Outcome: "reused"})

	_, fams = scrape(t, m)
	assert.Equal(t, 1.0, value(fams, "jarvis_auth_refresh_token_reuse_total", nil))
	assert.Equal(t, 1.0, value(fams, "jarvis_auth_refreshes_total", map[string]string{"outcome": "reused"}))
}

func TestMetrics_KnownOutcomes_ExportedAtZeroBeforeAnyEvent(t *testing.T) {
	_, fams := scrape(t, newMetrics())
	for _, s := range []struct{ metric, outcome string }{
		{"jarvis_auth_logins_total", "success"},
		{"jarvis_auth_logins_total", "invalid_credentials"},
		{"jarvis_auth_refreshes_total", "rotated"},
		{"jarvis_auth_refreshes_total", "reused"},
		{"jarvis_auth_registrations_total", "email_taken"},
		{"jarvis_auth_access_token_refusals_total", "invalid_token"},
	} {
		assert.Equal(t, 0.0, value(fams, s.metric, map[string]string{"outcome": s.outcome}), "%s{outcome=%q}", s.metric, s.outcome)
	}
}

func TestMetrics_Labels_NeverCarryIDs(t *testing.T) {
	const uid, sid = user.ID(918273645), session.ID(564738291)
	m := newMetrics()
	ctx := context.Background()
	for _, e := range []auth.Event{
		{Kind: "register", Outcome: "success", UserID: uid, SessionID: sid},
		{Kind: "login", Outcome: "success", UserID: uid, SessionID: sid},
		{Kind: "rehash", Outcome: "success", UserID: uid},
		{Kind: "refresh", Outcome: "rotated", UserID: uid, SessionID: sid},
		{Kind: "refresh", Outcome: "reused", UserID: uid, SessionID: sid},
		{Kind: "access_token", Outcome: "invalid_token", UserID: uid, SessionID: sid},
		{Kind: "logout", Outcome: "success", UserID: uid, SessionID: sid},
	} {
		m.Observe(ctx, e)
	}
	m.ObserveRequest("/auth/me", "GET", 200, time.Millisecond)

	raw, fams := scrape(t, m)
	for name, mf := range fams {
		for _, s := range mf.GetMetric() {
			for _, l := range s.GetLabel() {
				assert.NotContains(t, l.GetValue(), "918273645", "%s{%s}", name, l.GetName())
				assert.NotContains(t, l.GetValue(), "564738291", "%s{%s}", name, l.GetName())
			}
		}
	}
	for _, line := range strings.Split(raw, "\n") {
		if strings.HasPrefix(line, "jarvis_auth_") {
			assert.NotContains(t, line, "918273645")
			assert.NotContains(t, line, "564738291")
		}
	}
}

func TestMetrics_ObserveRequest_CountsByRouteMethodStatus(t *testing.T) {
	tests := []struct {
		name   string
		route  string
		method string
		status int
		labels map[string]string
	}{
		{"login", "/auth/login", "POST", 200, map[string]string{"route": "/auth/login", "method": "POST", "status": "200"}},
		{"refused me", "/auth/me", "GET", 401, map[string]string{"route": "/auth/me", "method": "GET", "status": "401"}},
		{"unknown path", "unmatched", "GET", 404, map[string]string{"route": "unmatched", "method": "GET", "status": "404"}},
		{"non-standard method", "unmatched", "BREW", 405, map[string]string{"route": "unmatched", "method": "OTHER", "status": "405"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMetrics()
			m.ObserveRequest(tt.route, tt.method, tt.status, 30*time.Millisecond)
			_, fams := scrape(t, m)
			assert.Equal(t, 1.0, value(fams, "jarvis_auth_http_requests_total", tt.labels))
			h, ok := find(fams, "jarvis_auth_http_request_duration_seconds", map[string]string{"route": tt.labels["route"], "method": tt.labels["method"]})
			require.True(t, ok)
			assert.Equal(t, uint64(1), h.GetHistogram().GetSampleCount())
			assert.InDelta(t, 0.03, h.GetHistogram().GetSampleSum(), 1e-9)
		})
	}
}

func TestMetrics_ObserveRequest_LabelsSurviveReuseOfTheCallersBuffer(t *testing.T) {
	// Fiber hands out strings that point into request buffers it reuses;
	// a label must not change when the buffer does.
	routeBuf, methodBuf := []byte("/auth/login"), []byte("POST")
	m := newMetrics()
	m.ObserveRequest(unsafe.String(&routeBuf[0], len(routeBuf)), unsafe.String(&methodBuf[0], len(methodBuf)), 200, time.Millisecond)
	copy(routeBuf, "/xxxx/xxxxx")
	copy(methodBuf, "GETT")

	_, fams := scrape(t, m)
	assert.Equal(t, 1.0, value(fams, "jarvis_auth_http_requests_total", map[string]string{"route": "/auth/login", "method": "POST", "status": "200"}))
	_, ok := find(fams, "jarvis_auth_http_request_duration_seconds", map[string]string{"route": "/auth/login", "method": "POST"})
	assert.True(t, ok)
}

func TestMetrics_Histograms_HaveTheirBuckets(t *testing.T) {
	m := newMetrics()
	m.ObserveRequest("/health", "GET", 200, 300*time.Microsecond)
	m.ObserveHashWait(3 * time.Millisecond)
	_, fams := scrape(t, m)

	tests := []struct {
		name   string
		metric string
		bounds []float64
	}{
		{"request latency spans a millisecond to ten seconds", "jarvis_auth_http_request_duration_seconds", []float64{.001, .01, .1, 1, 10}},
		{"hash queue wait spans half a millisecond to past the pool's 2s limit", "jarvis_auth_password_hash_queue_wait_seconds", []float64{.0005, .001, .01, .1, 1, 2, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mf, ok := fams[tt.metric]
			require.True(t, ok)
			require.Equal(t, dto.MetricType_HISTOGRAM, mf.GetType())
			var bounds []float64
			for _, b := range mf.GetMetric()[0].GetHistogram().GetBucket() {
				bounds = append(bounds, b.GetUpperBound())
			}
			for _, want := range tt.bounds {
				assert.Contains(t, bounds, want)
			}
		})
	}
}

func TestMetrics_HashHooks_MoveTheirMetrics(t *testing.T) {
	m := newMetrics()
	m.ObserveHashWait(0)
	m.ObserveHashWait(40 * time.Millisecond)
	m.HashMalformed()
	_, fams := scrape(t, m)

	h, ok := find(fams, "jarvis_auth_password_hash_queue_wait_seconds", nil)
	require.True(t, ok)
	assert.Equal(t, uint64(2), h.GetHistogram().GetSampleCount())
	assert.InDelta(t, 0.04, h.GetHistogram().GetSampleSum(), 1e-9)
	assert.Equal(t, 1.0, value(fams, "jarvis_auth_password_hash_malformed_total", nil))
}

func TestMetrics_WatchDB_ReportsPoolStatsAtScrape(t *testing.T) {
	m := newMetrics()
	_, fams := scrape(t, m)
	assert.NotContains(t, fams, "jarvis_auth_db_open_connections", "nothing before a pool is watched")

	stats := sql.DBStats{MaxOpenConnections: 8, OpenConnections: 3, InUse: 1, Idle: 2, WaitCount: 5, WaitDuration: 1500 * time.Millisecond, MaxIdleTimeClosed: 4}
	m.WatchDB(func() sql.DBStats { return stats })
	_, fams = scrape(t, m)

	tests := []struct {
		metric string
		want   float64
	}{
		{"jarvis_auth_db_max_open_connections", 8},
		{"jarvis_auth_db_open_connections", 3},
		{"jarvis_auth_db_in_use_connections", 1},
		{"jarvis_auth_db_idle_connections", 2},
		{"jarvis_auth_db_wait_count_total", 5},
		{"jarvis_auth_db_wait_duration_seconds_total", 1.5},
		{"jarvis_auth_db_max_idle_closed_total", 0},
		{"jarvis_auth_db_max_idle_time_closed_total", 4},
		{"jarvis_auth_db_max_lifetime_closed_total", 0},
	}
	for _, tt := range tests {
		t.Run(tt.metric, func(t *testing.T) {
			assert.Equal(t, tt.want, value(fams, tt.metric, nil))
		})
	}

	stats.InUse = 7
	_, fams = scrape(t, m)
	assert.Equal(t, 7.0, value(fams, "jarvis_auth_db_in_use_connections", nil), "read at each scrape")
}

func TestMetrics_BuildInfo_NamesVersionAndGoVersion(t *testing.T) {
	tests := []struct {
		name    string
		version string
		want    string
	}{
		{"stamped version", "1.2.3", "1.2.3"},
		{"no version supplied", "", "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, fams := scrape(t, observability.NewMetrics(prometheus.NewRegistry(), tt.version))
			assert.Equal(t, 1.0, value(fams, "jarvis_auth_build_info", map[string]string{"version": tt.want, "goversion": runtime.Version()}))
		})
	}
}

func TestMetrics_Handler_ServesPrometheusTextWithRuntimeMetrics(t *testing.T) {
	m := newMetrics()
	m.ObserveRequest("/health", "GET", 200, time.Millisecond)
	app := fiber.New()
	app.Get("/metrics", m.Handler())
	resp, err := app.Test(httptest.NewRequest("GET", "/metrics", nil), -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4"), resp.Header.Get("Content-Type"))

	raw, fams := scrape(t, m)
	assert.Contains(t, raw, "# HELP jarvis_auth_logins_total ")
	assert.Contains(t, raw, "# TYPE jarvis_auth_http_request_duration_seconds histogram")
	assert.Contains(t, fams, "go_goroutines", "Go runtime collector")
	assert.Contains(t, fams, "process_start_time_seconds", "process collector")
}

func TestMetrics_ConcurrentEventsAndScrapes_AreCountedExactly(t *testing.T) {
	m := newMetrics()
	const workers, each = 8, 200
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				m.Observe(context.Background(), auth.Event{Kind: "login", Outcome: "success"})
				m.ObserveRequest("/auth/login", "POST", 200, time.Millisecond)
				m.ObserveHashWait(time.Millisecond)
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			scrape(t, m)
		}
	})
	wg.Wait()
	_, fams := scrape(t, m)
	assert.Equal(t, float64(workers*each), value(fams, "jarvis_auth_logins_total", map[string]string{"outcome": "success"}))
	assert.Equal(t, float64(workers*each), value(fams, "jarvis_auth_http_requests_total", map[string]string{"route": "/auth/login", "method": "POST", "status": "200"}))
}

// recorder is an auth.Observer that remembers what it saw.
type recorder struct{ seen []auth.Event }

func (r *recorder) Observe(_ context.Context, e auth.Event) { r.seen = append(r.seen, e) }

func TestObservers_ForwardEachEventToEveryObserver(t *testing.T) {
	a, b := &recorder{}, &recorder{}
	m := newMetrics()
	fan := observability.Observers{a, nil, m, b}
	e := auth.Event{Kind: "login", Outcome: "success", UserID: 1, SessionID: 2}

	fan.Observe(context.Background(), e)

	assert.Equal(t, []auth.Event{e}, a.seen)
	assert.Equal(t, []auth.Event{e}, b.seen)
	_, fams := scrape(t, m)
	assert.Equal(t, 1.0, value(fams, "jarvis_auth_logins_total", map[string]string{"outcome": "success"}))
}
