package deployments

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// distrolessNonroot is the uid:gid of distroless' nonroot user, which the k8s manifests repeat.
const distrolessNonroot = "65532:65532"

func TestDockerfile_ParsesWithoutBuildKitWarnings(t *testing.T) {
	df := loadDockerfile(t)
	assert.Empty(t, df.warnings, "docker build --check would complain")
}

func TestDockerfile_IsMultiStage_GoImageMatchingGoModThenDistroless(t *testing.T) {
	df := loadDockerfile(t)
	require.Len(t, df.stages, 2, "a build stage and a runtime stage")

	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(readRepoFile(t, "go.mod"))
	require.NotNil(t, goVersion, "go.mod has no go directive")
	args := map[string]string{}
	for _, a := range df.metaArgs {
		for _, kv := range a.Args {
			args[kv.Key] = kv.ValueString()
		}
	}
	build := df.stage(t, "build")
	base := strings.ReplaceAll(build.BaseName, "${GO_VERSION}", args["GO_VERSION"])
	assert.Regexp(t, `^golang:`+regexp.QuoteMeta(string(goVersion[1]))+`(\.\d+)?-(bookworm|trixie|alpine)`, base,
		"the build image must be the official Go image of go.mod's version")
	assert.Equal(t, "$BUILDPLATFORM", build.Platform, "compile natively and cross-compile with GOOS/GOARCH")

	final := df.final()
	assert.NotEqual(t, "build", final.Name)
	assert.Contains(t, []string{"gcr.io/distroless/static-debian12:nonroot", "gcr.io/distroless/static-debian13:nonroot", "scratch"},
		final.BaseName, "the runtime holds only the static binary")
	assert.Empty(t, commands[*instructions.RunCommand](final), "the runtime image has no shell to RUN with")
}

func TestDockerfile_ModulesDownloadInTheirOwnCachedLayer(t *testing.T) {
	build := loadDockerfile(t).stage(t, "build")
	var steps []string
	for _, c := range build.Commands {
		switch c := c.(type) {
		case *instructions.CopyCommand:
			steps = append(steps, "COPY "+strings.Join(c.SourcePaths, " "))
		case *instructions.RunCommand:
			require.NoError(t, c.Expand(func(w string) (string, error) { return w, nil }))
			line := strings.Join(c.CmdLine, " ")
			if strings.Contains(line, "go mod download") {
				steps = append(steps, "RUN go mod download")
			}
			if strings.Contains(line, "go build") {
				steps = append(steps, "RUN go build")
			}
			if strings.Contains(line, "go ") {
				assert.True(t, slices.ContainsFunc(instructions.GetMounts(c), func(m *instructions.Mount) bool {
					return m.Type == instructions.MountTypeCache && m.Target == "/go/pkg/mod"
				}), "%q should use the module cache mount", line)
			}
		}
	}
	assert.Equal(t, []string{"COPY go.mod go.sum", "RUN go mod download", "COPY .", "RUN go build"}, steps,
		"go.mod and go.sum alone before the download, the sources after it")
}

func TestDockerfile_BuildsStaticTrimmedBinaryWithVersionStamp(t *testing.T) {
	df := loadDockerfile(t)
	gb := parseGoBuild(t, df, map[string]string{"VERSION": "v9.8.7-test", "TARGETOS": "linux", "TARGETARCH": "arm64"})

	assert.Equal(t, "0", gb.env["CGO_ENABLED"], "a static binary for distroless/static")
	assert.Equal(t, "linux", gb.env["GOOS"], "GOOS must follow TARGETOS")
	assert.Equal(t, "arm64", gb.env["GOARCH"], "GOARCH must follow TARGETARCH")
	assert.Contains(t, gb.flags, "-trimpath")
	ldflags, ok := flagValue(gb.flags, "-ldflags")
	require.True(t, ok, "no -ldflags")
	assert.Contains(t, strings.Fields(ldflags), "main.version=v9.8.7-test", "-X main.version=${VERSION}")
	assert.Regexp(t, `(^|\s)-X main\.version=v9\.8\.7-test(\s|$)`, ldflags)
	assert.Equal(t, mainPackage, gb.pkg)
	require.NotEmpty(t, gb.output)

	// The ARG VERSION the -X flag reads is declared in the build stage (ARGs do not cross FROM).
	var declared []string
	for _, a := range commands[*instructions.ArgCommand](df.stage(t, "build")) {
		for _, kv := range a.Args {
			declared = append(declared, kv.Key)
		}
	}
	assert.Subset(t, declared, []string{"VERSION", "TARGETOS", "TARGETARCH"})

	// What the runtime stage copies is what go build wrote.
	var copied bool
	for _, c := range commands[*instructions.CopyCommand](df.final()) {
		if c.From == "build" && slices.Equal(c.SourcePaths, []string{gb.output}) {
			copied = true
			assert.Equal(t, binaryPath, c.DestPath)
		}
	}
	assert.True(t, copied, "the runtime stage must COPY --from=build %s", gb.output)
}

func TestDockerfile_RuntimeRunsBinaryAsNonRootOnPort8000(t *testing.T) {
	final := loadDockerfile(t).final()

	users := commands[*instructions.UserCommand](final)
	require.NotEmpty(t, users, "the runtime stage must set USER")
	user := users[len(users)-1].User
	assert.Equal(t, distrolessNonroot, user, "numeric, so that Kubernetes' runAsNonRoot can check it")
	uid, _, _ := strings.Cut(user, ":")
	n, err := strconv.Atoi(uid)
	require.NoError(t, err)
	assert.NotZero(t, n)

	var exposed []string
	for _, e := range commands[*instructions.ExposeCommand](final) {
		exposed = append(exposed, e.Ports...)
	}
	assert.Equal(t, []string{strconv.Itoa(containerPort)}, exposed)

	entrypoints := commands[*instructions.EntrypointCommand](final)
	require.Len(t, entrypoints, 1)
	assert.False(t, entrypoints[0].PrependShell, "exec form: the binary is PID 1 and gets SIGTERM")
	assert.Equal(t, []string{binaryPath}, entrypoints[0].CmdLine, "no dev flags, no wrapper script")
	assert.Empty(t, commands[*instructions.CmdCommand](final), "serve is the binary's default")

	health := commands[*instructions.HealthCheckCommand](final)
	require.Len(t, health, 1)
	assert.Equal(t, []string{"CMD", binaryPath, "healthcheck"}, health[0].Health.Test, "exec form, the binary checks itself")
	assert.Positive(t, health[0].Health.Interval)
	assert.Positive(t, health[0].Health.Timeout)
	assert.Positive(t, health[0].Health.StartPeriod, "migrations run before the listener opens")
}

func TestDockerfile_WorkdirBelongsToTheRuntimeUser(t *testing.T) {
	final := loadDockerfile(t).final()
	workdirs := commands[*instructions.WorkdirCommand](final)
	require.NotEmpty(t, workdirs)
	wd := workdirs[len(workdirs)-1].Path

	// A WORKDIR that no COPY --chown provides would be created root-owned, and the SQLite
	// default (sqlite:///jarvis_auth.db) could not write there.
	var owned bool
	for _, c := range commands[*instructions.CopyCommand](final) {
		if c.DestPath == wd && c.Chown == distrolessNonroot {
			owned = true
		}
	}
	assert.True(t, owned, "WORKDIR %s must be COPY --chown=%s'd into the image", wd, distrolessNonroot)
}
