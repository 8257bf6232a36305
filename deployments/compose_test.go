package deployments

import (
	"bufio"
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const prodOverlay = "deployments/docker-compose.prod.yml"

// loadCompose loads the compose files as `cp .env.example .env && docker compose -f ... config`
// would: in a copy of the repository's compose inputs, with .env.example as .env, and with
// only the given variables in the environment (none of the test runner's).
func loadCompose(t *testing.T, env map[string]string, files ...string) *types.Project {
	t.Helper()
	dir := t.TempDir()
	for src, dst := range map[string]string{
		"docker-compose.yml": "docker-compose.yml",
		".env.example":       ".env",
		"Dockerfile":         "Dockerfile",
		prodOverlay:          prodOverlay,
	} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, dst)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, dst), readRepoFile(t, src), 0o644))
	}
	var paths, environ []string
	for _, f := range files {
		paths = append(paths, filepath.Join(dir, f))
	}
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	opts, err := cli.NewProjectOptions(paths,
		cli.WithWorkingDirectory(dir),
		cli.WithEnv(environ),
		cli.WithEnvFiles(filepath.Join(dir, ".env")),
		cli.WithDotEnv,
	)
	require.NoError(t, err)
	project, err := opts.LoadProject(context.Background())
	require.NoError(t, err)
	return project
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	require.NoError(t, err)
	return s
}

func envValue(t *testing.T, s types.ServiceConfig, key string) string {
	t.Helper()
	v, ok := s.Environment[key]
	require.True(t, ok, "%s has no %s", s.Name, key)
	require.NotNil(t, v, "%s: %s has no value", s.Name, key)
	return *v
}

func exampleEnv(t *testing.T) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, e := range parseEnvExample(t).active {
		m[e.key] = e.value
	}
	return m
}

func TestCompose_HasAuthAPIAndPostgres(t *testing.T) {
	p := loadCompose(t, nil, "docker-compose.yml")
	assert.ElementsMatch(t, []string{"auth-api", "db"}, p.ServiceNames())
	assert.Equal(t, "jarvis-auth", p.Name)
}

func TestCompose_AuthAPI_BuildsRootDockerfileAndReadsDotEnv(t *testing.T) {
	p := loadCompose(t, map[string]string{"VERSION": "1.2.3"}, "docker-compose.yml")
	api := service(t, p, "auth-api")

	require.NotNil(t, api.Build)
	assert.Equal(t, p.WorkingDir, api.Build.Context, "build context is the repository root")
	assert.Equal(t, "Dockerfile", filepath.Base(api.Build.Dockerfile))
	require.Contains(t, api.Build.Args, "VERSION")
	assert.Equal(t, "1.2.3", *api.Build.Args["VERSION"], "VERSION reaches the -X main.version stamp")

	require.Len(t, api.EnvFiles, 1)
	assert.Equal(t, filepath.Join(p.WorkingDir, ".env"), api.EnvFiles[0].Path)
	assert.True(t, bool(api.EnvFiles[0].Required), "a missing .env must stop compose, not start an unconfigured service")
	for key, want := range exampleEnv(t) {
		if key == "PORT" {
			continue
		}
		assert.Equal(t, want, envValue(t, api, key), "%s from .env", key)
	}
	assert.Equal(t, strconv.Itoa(containerPort), envValue(t, api, "PORT"), "the container listens where it EXPOSEs")

	// No wrapper, no extra migrate step: the image's entrypoint runs migrations at every start.
	assert.Empty(t, api.Entrypoint)
	assert.Empty(t, api.Command)
}

func TestCompose_AuthAPI_PublishesContainerPort8000On8007ByDefault(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{name: "default", want: "8007"},
		{name: "JARVIS_AUTH_PORT set", env: map[string]string{"JARVIS_AUTH_PORT": "9123"}, want: "9123"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := service(t, loadCompose(t, tc.env, "docker-compose.yml"), "auth-api")
			require.Len(t, api.Ports, 1)
			assert.Equal(t, uint32(containerPort), api.Ports[0].Target)
			assert.Equal(t, tc.want, api.Ports[0].Published)
		})
	}
}

func TestCompose_AuthAPI_WaitsForHealthyDBAndRestartsUnlessStopped(t *testing.T) {
	api := service(t, loadCompose(t, nil, "docker-compose.yml"), "auth-api")
	require.Contains(t, api.DependsOn, "db")
	assert.Equal(t, types.ServiceConditionHealthy, api.DependsOn["db"].Condition,
		"migrations need the database up before the service starts")
	assert.Equal(t, types.RestartPolicyUnlessStopped, api.Restart)

	require.NotNil(t, api.HealthCheck)
	assert.Equal(t, types.HealthCheckTest{"CMD", binaryPath, "healthcheck"}, api.HealthCheck.Test,
		"the image has no shell or curl: the binary checks itself")
	assert.Equal(t, dockerfileHealthcheck(t), []string(api.HealthCheck.Test), "same check as the image's HEALTHCHECK")
	require.NotNil(t, api.HealthCheck.StartPeriod)
}

func TestCompose_DB_IsPinnedPostgresWithVolumeAndPgIsReady(t *testing.T) {
	p := loadCompose(t, nil, "docker-compose.yml")
	db := service(t, p, "db")

	assert.Regexp(t, `^postgres:\d+(\.\d+)?-alpine$`, db.Image, "pin the Postgres major version")
	example := exampleEnv(t)
	for _, key := range []string{"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"} {
		assert.Equal(t, example[key], envValue(t, db, key), "%s from .env", key)
	}
	assert.NotContains(t, db.Environment, "SECRET_KEY", "the database gets only what it needs")

	require.Len(t, db.Volumes, 1)
	assert.Equal(t, types.VolumeTypeVolume, db.Volumes[0].Type)
	assert.Equal(t, "/var/lib/postgresql/data", db.Volumes[0].Target)
	assert.Contains(t, p.Volumes, db.Volumes[0].Source, "a named, declared volume")

	require.NotNil(t, db.HealthCheck)
	require.NotEmpty(t, db.HealthCheck.Test)
	assert.Equal(t, "CMD-SHELL", db.HealthCheck.Test[0])
	assert.Contains(t, strings.Join(db.HealthCheck.Test, " "), "pg_isready")
	// $$ escapes compose interpolation: the container's shell expands these.
	assert.Contains(t, db.HealthCheck.Test[1], "${POSTGRES_USER}")
	assert.Contains(t, db.HealthCheck.Test[1], "${POSTGRES_DB}")
	assert.Equal(t, types.RestartPolicyUnlessStopped, db.Restart)

	for _, port := range db.Ports {
		assert.Equal(t, "127.0.0.1", port.HostIP, "in development the database is reachable from this host only")
	}
}

func TestCompose_DatabaseURLPointsAtTheDBService(t *testing.T) {
	p := loadCompose(t, nil, "docker-compose.yml")
	api, db := service(t, p, "auth-api"), service(t, p, "db")

	u, err := url.Parse(envValue(t, api, "DATABASE_URL"))
	require.NoError(t, err)
	assert.Contains(t, []string{"postgres", "postgresql", "postgresql+psycopg2"}, u.Scheme)
	assert.Equal(t, "db", u.Hostname(), "the compose service name")
	assert.Equal(t, "5432", u.Port())
	assert.Equal(t, envValue(t, db, "POSTGRES_USER"), u.User.Username())
	pw, _ := u.User.Password()
	assert.Equal(t, envValue(t, db, "POSTGRES_PASSWORD"), pw)
	assert.Equal(t, "/"+envValue(t, db, "POSTGRES_DB"), u.Path)
}

func TestComposeProd_RunsProductionModeLockedDown(t *testing.T) {
	p := loadCompose(t, nil, "docker-compose.yml", prodOverlay)
	api, db := service(t, p, "auth-api"), service(t, p, "db")

	assert.Equal(t, "production", envValue(t, api, "APP_ENV"))
	assert.Equal(t, "json", envValue(t, api, "LOG_FORMAT"))
	assert.Equal(t, filepath.Join(p.WorkingDir, ".env"), api.EnvFiles[0].Path, "paths stay relative to the root compose file")
	assert.Equal(t, p.WorkingDir, api.Build.Context)

	assert.True(t, api.ReadOnly, "read-only root filesystem")
	assert.True(t, slices.ContainsFunc(api.Tmpfs, func(s string) bool { return strings.HasPrefix(s, "/tmp") }))
	assert.Equal(t, []string{"ALL"}, api.CapDrop)
	assert.Contains(t, api.SecurityOpt, "no-new-privileges:true")
	assert.Len(t, api.Ports, 1, "the API stays published")

	assert.Empty(t, db.Ports, "the database is not published in production")
	assert.True(t, db.ReadOnly)
	assert.True(t, slices.ContainsFunc(db.Tmpfs, func(s string) bool { return strings.HasPrefix(s, "/run") }),
		"postgres needs a writable /run for its socket and pid file")

	for _, s := range []types.ServiceConfig{api, db} {
		require.NotNil(t, s.Deploy, s.Name)
		require.NotNil(t, s.Deploy.Resources.Limits, s.Name)
		assert.Positive(t, float32(s.Deploy.Resources.Limits.NanoCPUs), "%s cpu limit", s.Name)
		assert.Positive(t, int64(s.Deploy.Resources.Limits.MemoryBytes), "%s memory limit", s.Name)
		require.NotNil(t, s.Deploy.Resources.Reservations, s.Name)
		assert.LessOrEqual(t, s.Deploy.Resources.Reservations.MemoryBytes, s.Deploy.Resources.Limits.MemoryBytes)
		assert.Equal(t, types.RestartPolicyAlways, s.Restart)
	}
	// The overlay changes nothing of the base wiring.
	assert.Equal(t, types.ServiceConditionHealthy, api.DependsOn["db"].Condition)
	assert.Equal(t, "/var/lib/postgresql/data", db.Volumes[0].Target)
}

func dockerfileHealthcheck(t *testing.T) []string {
	t.Helper()
	hc := commands[*instructions.HealthCheckCommand](loadDockerfile(t).final())
	require.Len(t, hc, 1, "the Dockerfile must have one HEALTHCHECK")
	return hc[0].Health.Test
}

// envExample is .env.example split into its active assignments and its commented-out ones.
type envExample struct {
	active, commented []envEntry
}

var commentedAssignment = regexp.MustCompile(`^#\s*([A-Z][A-Z0-9_]*)=(.*)$`)

func parseEnvExample(t *testing.T) envExample {
	t.Helper()
	var ex envExample
	sc := bufio.NewScanner(bytes.NewReader(readRepoFile(t, ".env.example")))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
		case strings.HasPrefix(line, "#"):
			if m := commentedAssignment.FindStringSubmatch(line); m != nil {
				ex.commented = append(ex.commented, envEntry{m[1], m[2]})
			}
		default:
			k, v, ok := strings.Cut(line, "=")
			require.True(t, ok, "not an assignment: %q", line)
			ex.active = append(ex.active, envEntry{k, v})
		}
	}
	require.NoError(t, sc.Err())
	return ex
}

func TestEnvExample_HasExactlyTheBriefsKeysThenOptionalDefaultsCommented(t *testing.T) {
	ex := parseEnvExample(t)
	assert.Equal(t, briefEnv, ex.active, "the brief's keys and values, in its order, and nothing else active")
	assert.Equal(t, optionalEnv, ex.commented, "API.md's optional keys with their defaults, commented out")
}
