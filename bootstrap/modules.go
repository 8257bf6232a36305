package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.uber.org/fx"

	httpapi "github.com/jarvis/jarvis-auth/adapters/http"
	"github.com/jarvis/jarvis-auth/adapters/persistence"
	"github.com/jarvis/jarvis-auth/adapters/security"
	"github.com/jarvis/jarvis-auth/application/auth"
	"github.com/jarvis/jarvis-auth/domain/session"
)

// systemClock is the real clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now().UTC() }

// mathRandom serves username suffixes; they need no secrecy, only spread.
type mathRandom struct{}

func (mathRandom) Uint64N(n uint64) uint64 { return rand.Uint64N(n) }

// PersistenceModule opens the database, migrates it before the listener
// opens (OnStart hooks run in dependency order) and closes it last.
var PersistenceModule = fx.Module("persistence",
	fx.Provide(
		openDatabase,
		fx.Annotate(persistence.NewUserRepository, fx.As(new(auth.Users))),
		fx.Annotate(persistence.NewSessionRepository, fx.As(new(auth.Sessions))),
		fx.Annotate(persistence.NewRefreshTokenRepository, fx.As(new(auth.RefreshTokens))),
		fx.Annotate(persistence.NewTransactor, fx.As(new(auth.Transactor))),
	),
)

func openDatabase(lc fx.Lifecycle, cfg Config, log *slog.Logger) (*persistence.DB, error) {
	target, err := persistence.ParseDatabaseURL(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	db, err := persistence.OpenTarget(ctx, target)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", target, err)
	}
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			start := time.Now()
			if err := persistence.Migrate(ctx, db); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
			log.Info("database ready", "dialect", string(db.Dialect()), "migrate_ms", time.Since(start).Milliseconds())
			return nil
		},
		OnStop: func(context.Context) error { return db.Close() },
	})
	return db, nil
}

// SecurityModule provides the password hasher and the token codecs.
var SecurityModule = fx.Module("security",
	fx.Provide(
		fx.Annotate(newHasher, fx.As(new(auth.PasswordHasher))),
		fx.Annotate(newJWT, fx.As(new(auth.AccessTokens))),
		fx.Annotate(newRefreshCodec, fx.As(new(auth.RefreshTokenCodec))),
	),
)

func newHasher(cfg Config, hooks HasherHooks) (*security.BcryptHasher, error) {
	return security.NewBcryptHasher(security.BcryptConfig{Cost: cfg.BcryptCost, OnWait: hooks.OnWait, OnMalformedHash: hooks.OnMalformedHash})
}

// HasherHooks lets observability watch the hashing pool.
type HasherHooks struct {
	OnWait          func(time.Duration)
	OnMalformedHash func()
}

func newJWT(cfg Config) (*security.JWT, error) {
	return security.NewJWT(security.JWTConfig{Secret: cfg.SecretKey.Reveal(), Algorithm: cfg.Algorithm, Issuer: cfg.JWTIssuer, TTL: cfg.AccessTokenTTL})
}

func newRefreshCodec(cfg Config) *security.RefreshCodec {
	return security.NewRefreshCodec(cfg.SecretKey.Reveal())
}

// ApplicationModule provides the use cases.
var ApplicationModule = fx.Module("application",
	fx.Provide(
		policyOf,
		func() auth.Clock { return systemClock{} },
		func() auth.Random { return mathRandom{} },
		auth.NewIssuer,
		auth.NewRegister,
		auth.NewLogin,
		auth.NewRefresh,
		auth.NewMe,
		auth.NewLogout,
	),
)

func policyOf(cfg Config) session.Policy {
	return session.Policy{
		TokenTTL:      cfg.RefreshTokenTTL,
		MaxAge:        cfg.SessionMaxAge,
		ReuseGrace:    cfg.ReuseGrace,
		RevokeOnReuse: cfg.RevokeFamilyOnReuse,
	}
}

// HTTPModule provides the Fiber app and runs it.
var HTTPModule = fx.Module("http",
	fx.Provide(newApp, runServer),
	fx.Invoke(func(*Server) {}),
)

// HTTPExtras are optional parts other modules contribute to the app.
type HTTPExtras struct {
	fx.In
	Requests httpapi.RequestObserver `optional:"true"`
	Metrics  fiber.Handler           `name:"metrics" optional:"true"`
}

func newApp(cfg Config, log *slog.Logger, db *persistence.DB, extras HTTPExtras,
	register *auth.Register, login *auth.Login, refresh *auth.Refresh, me *auth.Me, logout *auth.Logout,
) *fiber.App {
	return httpapi.New(httpapi.Options{
		Logger:      log,
		UseCases:    httpapi.UseCases{Register: register, Login: login, Refresh: refresh, Me: me, Logout: logout},
		Ready:       db.Ready,
		CORSOrigins: cfg.CORSAllowOrigins,
		Requests:    extras.Requests,
		Metrics:     extras.Metrics,
	})
}

// Listener is the address the server listens on; empty means ":PORT".
// Tests replace it with "127.0.0.1:0".
type Listener struct{ Addr string }

// Server is the running HTTP server; Addr is known once the app started.
type Server struct {
	mu   sync.Mutex
	addr net.Addr
}

// Addr returns the bound address, or nil before start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

func runServer(lc fx.Lifecycle, app *fiber.App, cfg Config, log *slog.Logger, l Listener, shutdowner fx.Shutdowner) *Server {
	srv := &Server{}
	lc.Append(fx.Hook{
		// Bind synchronously so that a taken port fails start-up, then serve
		// in the background.
		OnStart: func(context.Context) error {
			addr := l.Addr
			if addr == "" {
				addr = ":" + strconv.Itoa(cfg.Port)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", addr, err)
			}
			srv.mu.Lock()
			srv.addr = ln.Addr()
			srv.mu.Unlock()
			log.Info("listening", "addr", ln.Addr().String())
			go func() {
				if err := app.Listener(ln); err != nil && !errors.Is(err, net.ErrClosed) {
					log.Error("server stopped", "err", err)
					_ = shutdowner.Shutdown(fx.ExitCode(1))
				}
			}()
			return nil
		},
		// Stop accepting, let in-flight requests finish within the stop
		// timeout, then the database closes (its hook runs after this one).
		OnStop: func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, cfg.ShutdownTimeout)
			defer cancel()
			return app.ShutdownWithContext(ctx)
		},
	})
	return srv
}
