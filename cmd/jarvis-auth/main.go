// Command jarvis-auth runs the authentication service.
//
//	jarvis-auth [serve]             run the HTTP service (migrates first)
//	jarvis-auth migrate up|down|status
//	jarvis-auth healthcheck         exit 0 when GET /health answers 200 (for images without curl)
//	jarvis-auth version
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"go.uber.org/fx"

	"github.com/jarvis/jarvis-auth/adapters/persistence"
	"github.com/jarvis/jarvis-auth/bootstrap"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(stderr)
	case "migrate":
		return migrate(args, stdout, stderr)
	case "healthcheck":
		return healthcheck(stderr)
	case "version", "-v", "--version":
		fmt.Fprintln(stdout, version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, "usage: jarvis-auth [serve | migrate up|down|status | healthcheck | version]")
		return 0
	default:
		fmt.Fprintf(stderr, "jarvis-auth: unknown command %q (serve, migrate, healthcheck, version)\n", cmd)
		return 2
	}
}

// load reads the configuration and builds the logger. A bad value ends the
// process with one line per problem, naming the variable.
func load(stderr io.Writer) (bootstrap.Config, *slog.Logger, bool) {
	cfg, warnings, err := bootstrap.LoadConfig(os.LookupEnv, ".env")
	if err != nil {
		fmt.Fprintf(stderr, "jarvis-auth: configuration error:\n%v\n", err)
		return cfg, nil, false
	}
	log := bootstrap.NewLogger(stderr, cfg.LogLevel, cfg.LogFormat).With("version", version)
	for _, w := range warnings {
		log.Warn(w)
	}
	return cfg, log, true
}

func serve(stderr io.Writer) int {
	cfg, log, ok := load(stderr)
	if !ok {
		return 1
	}
	log.Info("starting", "config", cfg)
	app := fx.New(bootstrap.Options(cfg, log, bootstrap.VersionOption(version)))
	startCtx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		log.Error("start-up failed", "err", err)
		return 1
	}
	sig := <-app.Wait() // SIGINT, SIGTERM or a Shutdowner call
	log.Info("stopping", "signal", sig.Signal)
	stopCtx, cancelStop := context.WithTimeout(context.Background(), cfg.ShutdownTimeout+5*time.Second)
	defer cancelStop()
	if err := app.Stop(stopCtx); err != nil {
		log.Error("shutdown incomplete", "err", err)
		return 1
	}
	log.Info("stopped")
	return sig.ExitCode
}

func migrate(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: jarvis-auth migrate up|down|status")
		return 2
	}
	cfg, _, ok := load(stderr)
	if !ok {
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := persistence.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		fmt.Fprintf(stderr, "jarvis-auth: %v\n", err)
		return 1
	}
	defer db.Close()
	switch args[0] {
	case "up":
		err = persistence.Migrate(ctx, db)
	case "down":
		err = persistence.Rollback(ctx, db)
	case "status":
		var s string
		if s, err = persistence.MigrationStatus(ctx, db); err == nil {
			fmt.Fprintln(stdout, s)
		}
	default:
		fmt.Fprintln(stderr, "usage: jarvis-auth migrate up|down|status")
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "jarvis-auth: migrate %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// healthcheck probes the local /health endpoint; PORT as configured.
func healthcheck(stderr io.Writer) int {
	port := os.Getenv("PORT")
	if _, err := strconv.Atoi(port); err != nil {
		port = "8000"
	}
	client := http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://127.0.0.1:" + port + "/health")
	if err != nil {
		fmt.Fprintf(stderr, "unhealthy: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "unhealthy: status %d\n", resp.StatusCode)
		return 1
	}
	return 0
}
