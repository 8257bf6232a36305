package deployments

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maxContextBytes bounds the build context; the Swagger UI bundle is its largest part.
const maxContextBytes = 16 << 20

// buildContext is what `docker build .` sends: the repository less .dockerignore.
type buildContext struct {
	pm    *patternmatcher.PatternMatcher
	files map[string]int64 // slash path → size, for the files sent
}

func loadBuildContext(t *testing.T) buildContext {
	t.Helper()
	patterns, err := ignorefile.ReadAll(bytes.NewReader(readRepoFile(t, ".dockerignore")))
	require.NoError(t, err)
	pm, err := patternmatcher.New(patterns)
	require.NoError(t, err)

	root := repoRoot(t)
	bc := buildContext{pm: pm, files: map[string]int64{}}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if bc.excluded(t, rel) {
			if d.IsDir() && !pm.Exclusions() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			bc.files[rel] = info.Size()
		}
		return nil
	})
	require.NoError(t, err)
	return bc
}

func (bc buildContext) excluded(t *testing.T, rel string) bool {
	t.Helper()
	ex, err := bc.pm.MatchesOrParentMatches(rel)
	require.NoError(t, err)
	return ex
}

// servicePackage is the part of `go list -json` this test reads.
type servicePackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	EmbedFiles []string
	Module     *struct{ Path string }
}

// serviceBuildInputs lists the files `go build ./cmd/jarvis-auth` reads from the repository:
// go.mod, go.sum, and the Go and embedded files of every package of the module it imports.
func serviceBuildInputs(t *testing.T) []string {
	t.Helper()
	root := repoRoot(t)
	cmd := exec.Command("go", "list", "-e", "-deps", "-json=ImportPath,Dir,GoFiles,EmbedFiles,Module", mainPackage)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())

	inputs := []string{"go.mod", "go.sum"}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p servicePackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		if p.Module == nil || p.Module.Path != "github.com/jarvis/jarvis-auth" {
			continue
		}
		for _, f := range append(p.GoFiles, p.EmbedFiles...) {
			rel, err := filepath.Rel(root, filepath.Join(p.Dir, f))
			require.NoError(t, err)
			inputs = append(inputs, filepath.ToSlash(rel))
		}
	}
	return inputs
}

func TestDockerignore_KeepsEverythingTheBuildReads(t *testing.T) {
	if _, err := os.Stat(filepath.Join(repoRoot(t), "cmd", "jarvis-auth")); err != nil {
		t.Skip("cmd/jarvis-auth is not written yet")
	}
	bc := loadBuildContext(t)
	inputs := serviceBuildInputs(t)
	require.Greater(t, len(inputs), 2, "go list found no package of the service")
	for _, f := range inputs {
		assert.Contains(t, bc.files, f, "%s is read by go build but left out of the build context", f)
	}
}

func TestDockerignore_LeavesOutSecretsStateAndBulk(t *testing.T) {
	bc := loadBuildContext(t)
	for _, p := range []string{
		".git", ".git/config",
		".env", ".env.local", "jarvis_auth.db", "adapters/persistence/x.db-wal",
		"jarvis-auth", "bin/jarvis-auth", "coverage.out",
		"deployments", "deployments/go.mod", "deployments/k8s/deployment.yaml",
		"adapters/http/server_test.go", "domain/user/testdata/x.json",
		"docker-compose.yml", "README.md",
	} {
		assert.True(t, bc.excluded(t, p), "%s should stay out of the build context", p)
	}
	for _, p := range []string{"go.mod", "go.sum", "cmd/jarvis-auth/main.go", "adapters/http/docs/openapi.yaml"} {
		assert.False(t, bc.excluded(t, p), "%s is needed by the build", p)
	}

	var total int64
	var names []string
	for f, size := range bc.files {
		total += size
		if strings.HasSuffix(f, ".db") || strings.HasPrefix(f, ".env") {
			names = append(names, f)
		}
	}
	assert.Empty(t, names, "local databases or env files would be sent to the builder")
	assert.Less(t, total, int64(maxContextBytes), "build context of %d files, %d bytes", len(bc.files), total)
	t.Logf("build context: %d files, %.1f KiB", len(bc.files), float64(total)/1024)
}
