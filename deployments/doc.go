// Package deployments holds the checks of jarvis-auth's container and deployment files:
// the root Dockerfile, .dockerignore, docker-compose.yml and .env.example, the production
// compose overlay and the Kubernetes manifests under k8s/. It is its own Go module so that
// the parsers these checks use (compose-go, BuildKit, k8s.io/api) stay out of the
// service's go.mod.
//
// Run them with `go test ./...` from this directory. The smoke test, which builds the
// binary exactly as the Dockerfile does and drives it against a local Postgres, runs
// only with JARVIS_AUTH_SMOKE=1.
package deployments
