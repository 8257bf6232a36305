package bootstrap

import (
	"log/slog"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	httpapi "github.com/jarvis/jarvis-auth/adapters/http"
	"github.com/jarvis/jarvis-auth/adapters/observability"
	"github.com/jarvis/jarvis-auth/adapters/persistence"
	"github.com/jarvis/jarvis-auth/application/auth"
)

// ObservabilityModule provides the metrics and plugs them into the rest of
// the graph: the HTTP request observer and GET /metrics, the hashing pool's
// hooks, the database pool's statistics, and the use cases' observer (the
// event log and the metrics both see every event).
var ObservabilityModule = fx.Module("observability",
	fx.Provide(
		newMetrics,
		func(m *observability.Metrics) httpapi.RequestObserver { return m },
		fx.Annotate(func(m *observability.Metrics) fiber.Handler { return m.Handler() }, fx.ResultTags(`name:"metrics"`)),
		hasherHooksOf,
		observerOf,
	),
	fx.Invoke(func(m *observability.Metrics, db *persistence.DB) { m.WatchDB(db.Stats) }),
)

// metricsParams takes the build version when main supplied one (tests and
// other commands do not).
type metricsParams struct {
	fx.In
	Version Version `optional:"true"`
}

// newMetrics registers on a registry of its own, so nothing a library puts
// on the global default registry leaks into /metrics.
func newMetrics(p metricsParams) *observability.Metrics {
	return observability.NewMetrics(prometheus.NewRegistry(), string(p.Version))
}

func hasherHooksOf(m *observability.Metrics) HasherHooks {
	return HasherHooks{OnWait: m.ObserveHashWait, OnMalformedHash: m.HashMalformed}
}

func observerOf(log *slog.Logger, m *observability.Metrics) auth.Observer {
	return observability.Observers{NewEventLog(log), m}
}
