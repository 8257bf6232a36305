package deployments

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/stretchr/testify/require"
)

// The service's contract (API.md) that the deployment files must agree with.
const (
	containerPort = 8000
	binaryPath    = "/jarvis-auth"
	healthPath    = "/health"
	readyPath     = "/ready"
	mainPackage   = "./cmd/jarvis-auth"
)

// briefEnv is .env.example's required part: exactly the brief's keys, values and order.
var briefEnv = []envEntry{
	{"SECRET_KEY", "changeme"},
	{"ACCESS_TOKEN_EXPIRE_MINUTES", "15"},
	{"REFRESH_TOKEN_EXPIRE_DAYS", "7"},
	{"DATABASE_URL", "postgresql+psycopg2://postgres:postgres@db:5432/jarvis_auth_db"},
	{"ALGORITHM", "HS256"},
	{"POSTGRES_USER", "postgres"},
	{"POSTGRES_PASSWORD", "postgres"},
	{"POSTGRES_DB", "jarvis_auth_db"},
}

// optionalEnv is the rest of API.md's configuration table with its defaults.
var optionalEnv = []envEntry{
	{"SESSION_MAX_AGE_DAYS", "30"},
	{"PORT", "8000"},
	{"APP_ENV", "development"},
	{"BCRYPT_COST", "12"},
	{"JWT_ISSUER", "jarvis-auth"},
	{"REFRESH_TOKEN_REUSE_GRACE_SECONDS", "10"},
	{"REFRESH_TOKEN_REVOKE_FAMILY_ON_REUSE", "true"},
	{"LOG_LEVEL", "info"},
	{"LOG_FORMAT", "json"},
	{"CORS_ALLOW_ORIGINS", ""},
	{"SHUTDOWN_TIMEOUT_SECONDS", "10"},
}

type envEntry struct{ key, value string }

// configKeys is every variable the service reads.
func configKeys() []string {
	var keys []string
	for _, e := range slices.Concat(briefEnv, optionalEnv) {
		if !strings.HasPrefix(e.key, "POSTGRES_") {
			keys = append(keys, e.key)
		}
	}
	return keys
}

// repoRoot is the service repository: the parent of this module.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"), "the deployments module must sit inside the service repository")
	return root
}

func readRepoFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), rel))
	require.NoError(t, err)
	return b
}

// dockerfile is the root Dockerfile as BuildKit reads it.
type dockerfile struct {
	stages   []instructions.Stage
	metaArgs []instructions.ArgCommand
	warnings []string // parser and linter warnings: `docker build --check` would print these
}

func loadDockerfile(t testing.TB) *dockerfile {
	t.Helper()
	res, err := parser.Parse(strings.NewReader(string(readRepoFile(t, "Dockerfile"))))
	require.NoError(t, err)
	df := &dockerfile{}
	for _, w := range res.Warnings {
		df.warnings = append(df.warnings, w.Short)
	}
	lint := linter.New(&linter.Config{Warn: func(rule, _, _, msg string, loc []parser.Range) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		df.warnings = append(df.warnings, rule+" (line "+strconv.Itoa(line)+"): "+msg)
	}})
	df.stages, df.metaArgs, err = instructions.Parse(res.AST, lint)
	require.NoError(t, err)
	return df
}

func (d *dockerfile) stage(t testing.TB, name string) instructions.Stage {
	t.Helper()
	for _, s := range d.stages {
		if s.Name == name {
			return s
		}
	}
	require.Failf(t, "missing stage", "the Dockerfile has no stage %q", name)
	return instructions.Stage{}
}

func (d *dockerfile) final() instructions.Stage { return d.stages[len(d.stages)-1] }

// commands returns the stage's instructions of type T, in order.
func commands[T instructions.Command](s instructions.Stage) []T {
	var out []T
	for _, c := range s.Commands {
		if v, ok := c.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// goBuild is the `go build` invocation of the Dockerfile's build stage, with its shell
// words expanded the way BuildKit expands them.
type goBuild struct {
	env    map[string]string // leading VAR=value assignments
	flags  []string          // everything between `go build` and the package, without -o
	output string
	pkg    string
	run    *instructions.RunCommand
}

var assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// parseGoBuild finds the build stage's RUN that calls `go build` and splits it into its
// environment, flags, output and package; vars supplies the ARG values (VERSION, TARGETOS, ...).
func parseGoBuild(t testing.TB, d *dockerfile, vars map[string]string) goBuild {
	t.Helper()
	build := d.stage(t, "build")
	var run *instructions.RunCommand
	for _, r := range commands[*instructions.RunCommand](build) {
		if strings.Contains(strings.Join(r.CmdLine, " "), "go build") {
			require.Nil(t, run, "the build stage must have exactly one RUN with go build")
			run = r
		}
	}
	require.NotNil(t, run, "the build stage has no RUN with go build")
	require.True(t, run.PrependShell, "the go build RUN is expected in shell form")
	require.Len(t, run.CmdLine, 1)

	// ARG and ENV of the stage in scope, then the caller's values win.
	env := envMap{}
	for _, a := range commands[*instructions.ArgCommand](build) {
		for _, kv := range a.Args {
			env[kv.Key] = kv.ValueString()
		}
	}
	for _, e := range commands[*instructions.EnvCommand](build) {
		for _, kv := range e.Env {
			env[kv.Key] = kv.Value
		}
	}
	for k, v := range vars {
		env[k] = v
	}
	words, err := shell.NewLex('\\').ProcessWords(run.CmdLine[0], env)
	require.NoError(t, err)
	require.NotContains(t, words, "&&", "keep go build alone in its RUN so that it can be parsed and reused")
	require.NotContains(t, words, ";")

	gb := goBuild{env: map[string]string{}, run: run}
	for len(words) > 0 && assignment.MatchString(words[0]) {
		k, v, _ := strings.Cut(words[0], "=")
		gb.env[k] = v
		words = words[1:]
	}
	require.GreaterOrEqual(t, len(words), 3, "expected go build <flags> <package>: %q", words)
	require.Equal(t, []string{"go", "build"}, words[:2])
	words = words[2:]
	gb.pkg = words[len(words)-1]
	for i := 0; i < len(words)-1; i++ {
		switch w := words[i]; {
		case w == "-o":
			i++
			gb.output = words[i]
		case strings.HasPrefix(w, "-o="):
			gb.output = strings.TrimPrefix(w, "-o=")
		default:
			gb.flags = append(gb.flags, w)
		}
	}
	return gb
}

// flagValue returns the value of -name=value or -name value in flags.
func flagValue(flags []string, name string) (string, bool) {
	for i, f := range flags {
		if v, ok := strings.CutPrefix(f, name+"="); ok {
			return v, true
		}
		if f == name && i+1 < len(flags) {
			return flags[i+1], true
		}
	}
	return "", false
}

type envMap map[string]string

func (e envMap) Get(k string) (string, bool) { v, ok := e[k]; return v, ok }
func (e envMap) Keys() []string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
