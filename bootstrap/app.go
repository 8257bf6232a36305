package bootstrap

import (
	"log/slog"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
)

// Options assemble the whole service for a given configuration.
func Options(cfg Config, log *slog.Logger, extra ...fx.Option) fx.Option {
	return fx.Options(
		fx.Supply(cfg, log, Listener{}),
		fx.WithLogger(func() fxevent.Logger {
			// fx's own wiring events are debug noise; failures stay at error.
			l := &fxevent.SlogLogger{Logger: log.With("component", "fx")}
			l.UseLogLevel(slog.LevelDebug)
			l.UseErrorLevel(slog.LevelError)
			return l
		}),
		fx.StopTimeout(cfg.ShutdownTimeout+5*time.Second),
		ObservabilityModule,
		PersistenceModule,
		SecurityModule,
		ApplicationModule,
		HTTPModule,
		fx.Options(extra...),
	)
}

// Version is the build's version string.
type Version string

// VersionOption supplies the build version (for build info metrics).
func VersionOption(v string) fx.Option { return fx.Supply(Version(v)) }
