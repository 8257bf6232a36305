package bootstrap_test

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jarvis/jarvis-auth/adapters/observability"
	"github.com/jarvis/jarvis-auth/bootstrap"
)

// metricsLabelNames are the only label names the service's own metrics may
// carry; anything else (user_id, email, …) would be a leak or unbounded.
var metricsLabelNames = map[string]bool{
	"route": true, "method": true, "status": true, "outcome": true,
	"version": true, "goversion": true, "le": true,
}

// routeTemplates are the routes a request label may name.
var routeTemplates = map[string]bool{
	"/auth/register": true, "/auth/login": true, "/auth/refresh": true, "/auth/logout": true,
	"/auth/me": true, "/health": true, "/ready": true, "/metrics": true, "unmatched": true,
}

func scrapeMetrics(t *testing.T, s *service) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	resp, err := http.Get(s.base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain"), resp.Header.Get("Content-Type"))
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	p := expfmt.NewTextParser(model.LegacyValidation)
	families, err := p.TextToMetricFamilies(strings.NewReader(string(raw)))
	require.NoError(t, err)
	return string(raw), families
}

// sampleValue is the value of the counter or gauge sample of name whose
// labels include want, or -1 when there is none.
func sampleValue(families map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	for _, m := range families[name].GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && have[k] == v
		}
		if !match {
			continue
		}
		if m.Counter != nil {
			return m.GetCounter().GetValue()
		}
		return m.GetGauge().GetValue()
	}
	return -1
}

func TestMetrics_AfterAuthFlow_ShowSeriesByTemplateAndOutcome(t *testing.T) {
	cfg := testConfig("sqlite:///" + filepath.Join(t.TempDir(), "metrics.db"))
	cfg.ReuseGrace = 0 // any replay after the successor was used is reuse
	s := start(t, cfg)

	const email, password = "metrics.watcher@example.com", "password123"
	st, reg := s.call("POST", "/auth/register", map[string]any{"email": email, "password": password}, "")
	require.Equal(t, 200, st, reg)
	st, _ = s.call("POST", "/auth/register", map[string]any{"email": email, "password": password}, "")
	require.Equal(t, 409, st)
	st, login := s.call("POST", "/auth/login", map[string]any{"email": email, "password": password}, "")
	require.Equal(t, 200, st, login)
	st, _ = s.call("POST", "/auth/login", map[string]any{"email": email, "password": "wrong-password"}, "")
	require.Equal(t, 401, st)

	rt0 := reg["refresh_token"].(string)
	st, first := s.call("POST", "/auth/refresh", map[string]any{"refresh_token": rt0}, "")
	require.Equal(t, 200, st, first)
	st, second := s.call("POST", "/auth/refresh", map[string]any{"refresh_token": first["refresh_token"]}, "")
	require.Equal(t, 200, st, second)
	st, _ = s.call("POST", "/auth/refresh", map[string]any{"refresh_token": rt0}, "")
	require.Equal(t, 401, st, "reuse of the first token")

	st, _ = s.call("GET", "/auth/me", nil, login["access_token"].(string))
	require.Equal(t, 200, st)
	st, _ = s.call("GET", "/auth/me", nil, second["access_token"].(string))
	require.Equal(t, 401, st, "the reused session was revoked")
	userID := reg["id"]
	st, _ = s.call("GET", "/users/"+fmt.Sprint(userID)+"/profile", nil, "")
	require.Equal(t, 404, st)

	raw, fams := scrapeMetrics(t, s)

	t.Run("requests by route template, method and status", func(t *testing.T) {
		tests := []struct {
			route, method, status string
			want                  float64
		}{
			{"/auth/register", "POST", "200", 1},
			{"/auth/register", "POST", "409", 1},
			{"/auth/login", "POST", "200", 1},
			{"/auth/login", "POST", "401", 1},
			{"/auth/refresh", "POST", "200", 2},
			{"/auth/refresh", "POST", "401", 1},
			{"/auth/me", "GET", "200", 1},
			{"/auth/me", "GET", "401", 1},
			{"unmatched", "GET", "404", 1},
		}
		for _, tt := range tests {
			labels := map[string]string{"route": tt.route, "method": tt.method, "status": tt.status}
			assert.Equal(t, tt.want, sampleValue(fams, "jarvis_auth_http_requests_total", labels), "%v", labels)
		}
		for _, m := range fams["jarvis_auth_http_requests_total"].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "route" {
					assert.True(t, routeTemplates[l.GetValue()], "route label %q is a template", l.GetValue())
				}
			}
		}
		require.Contains(t, fams, "jarvis_auth_http_request_duration_seconds")
		assert.Equal(t, dto.MetricType_HISTOGRAM, fams["jarvis_auth_http_request_duration_seconds"].GetType())
	})

	t.Run("use-case outcomes", func(t *testing.T) {
		tests := []struct {
			metric, outcome string
			want            float64
		}{
			{"jarvis_auth_registrations_total", "success", 1},
			{"jarvis_auth_registrations_total", "email_taken", 1},
			{"jarvis_auth_logins_total", "success", 1},
			{"jarvis_auth_logins_total", "invalid_credentials", 1},
			{"jarvis_auth_refreshes_total", "rotated", 2},
			{"jarvis_auth_refreshes_total", "reused", 1},
			{"jarvis_auth_access_token_refusals_total", "invalid_token", 1},
			{"jarvis_auth_logins_total", observability.OtherOutcome, 0},
		}
		for _, tt := range tests {
			assert.Equal(t, tt.want, sampleValue(fams, tt.metric, map[string]string{"outcome": tt.outcome}), "%s{outcome=%q}", tt.metric, tt.outcome)
		}
		assert.Equal(t, 1.0, sampleValue(fams, "jarvis_auth_refresh_token_reuse_total", nil))
	})

	t.Run("hashing pool, database pool and build", func(t *testing.T) {
		wait := fams["jarvis_auth_password_hash_queue_wait_seconds"].GetMetric()
		require.Len(t, wait, 1)
		assert.GreaterOrEqual(t, wait[0].GetHistogram().GetSampleCount(), uint64(3), "register and both logins used the pool")
		assert.Greater(t, sampleValue(fams, "jarvis_auth_db_max_open_connections", nil), 0.0)
		assert.GreaterOrEqual(t, sampleValue(fams, "jarvis_auth_db_open_connections", nil), 0.0)
		assert.Equal(t, 1.0, sampleValue(fams, "jarvis_auth_build_info", map[string]string{"version": "unknown"}))
		assert.Contains(t, fams, "go_goroutines")
	})

	t.Run("labels never carry ids, emails or tokens", func(t *testing.T) {
		for name, mf := range fams {
			if !strings.HasPrefix(name, "jarvis_auth_") {
				continue
			}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					assert.True(t, metricsLabelNames[l.GetName()], "%s has label %q", name, l.GetName())
				}
			}
		}
		for _, secret := range []string{email, "metrics.watcher", password, "wrong-password", testSecret, rt0,
			login["access_token"].(string), login["refresh_token"].(string),
			first["refresh_token"].(string), second["refresh_token"].(string), "/users/"} {
			assert.NotContains(t, raw, secret)
		}
	})

	// The fan-out observer feeds the event log as well as the metrics.
	assert.Contains(t, s.logs.String(), "refresh token reused")
}

func TestMetrics_VersionOption_NamesTheBuild(t *testing.T) {
	cfg := testConfig("sqlite:///" + filepath.Join(t.TempDir(), "version.db"))
	s := start(t, cfg, bootstrap.VersionOption("v9.8.7"))

	_, fams := scrapeMetrics(t, s)
	assert.Equal(t, 1.0, sampleValue(fams, "jarvis_auth_build_info", map[string]string{"version": "v9.8.7"}))
}
