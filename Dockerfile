# syntax=docker/dockerfile:1

# jarvis-auth image: a static Go binary on distroless, running as a non-root user.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t jarvis-auth .
#
# The go build line below is also what deployments/smoke_test.go compiles with (it parses
# this file), so the smoke test exercises exactly the binary this image ships.

ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src

# Modules in their own layer: it is rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download && go mod verify

COPY . .

ARG VERSION=dev
ARG TARGETOS
ARG TARGETARCH
# CGO_ENABLED=0: a static binary for distroless/static (bun's SQLite dialect uses the pure-Go driver).
# -trimpath: no build-machine paths in the binary. -s -w: no symbol table or DWARF.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/jarvis-auth ./cmd/jarvis-auth

# The working directory of the runtime image: the SQLite default (sqlite:///jarvis_auth.db)
# writes there, so it must belong to the nonroot user. Compose and Kubernetes use Postgres.
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
ARG VERSION=dev
LABEL org.opencontainers.image.title="jarvis-auth" \
      org.opencontainers.image.description="Jarvis authentication service" \
      org.opencontainers.image.version="${VERSION}"

COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /out/jarvis-auth /jarvis-auth

WORKDIR /data
# Numeric, so that Kubernetes' runAsNonRoot can verify it (65532 is distroless' nonroot).
USER 65532:65532
ENV PORT=8000
EXPOSE 8000

# The binary checks itself: GET http://127.0.0.1:$PORT/health must answer 200.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/jarvis-auth", "healthcheck"]

# Migrations run in the service's start-up hook, before the listener opens.
ENTRYPOINT ["/jarvis-auth"]
