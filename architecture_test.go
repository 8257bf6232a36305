package jarvisauth_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/jarvis/jarvis-auth/"

// forbiddenStd are standard packages that mean I/O the core must not do.
var forbiddenStd = map[string]bool{"net/http": true, "database/sql": true, "os/exec": true}

// TestArchitecture_CoreImportsNoAdapter keeps the hexagon honest: domain and
// application import only the standard library (minus I/O packages) and
// inner layers; domain never imports application. Tests may add testify.
func TestArchitecture_CoreImportsNoAdapter(t *testing.T) {
	checked := 0
	for _, layer := range []string{"domain", "application"} {
		err := filepath.WalkDir(layer, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
				return err
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			require.NoError(t, err)
			isTest := strings.HasSuffix(path, "_test.go")
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				checked++
				assert.Truef(t, allowed(layer, p, isTest), "%s imports %s", path, p)
			}
			return nil
		})
		require.NoError(t, err)
	}
	assert.Greater(t, checked, 20, "the walk found the core's imports")
}

func allowed(layer, p string, isTest bool) bool {
	switch {
	case forbiddenStd[p]:
		return false
	case !strings.Contains(strings.Split(p, "/")[0], "."):
		return true // standard library
	case strings.HasPrefix(p, module+"domain/"):
		return true
	case strings.HasPrefix(p, module+"application/"):
		return layer == "application"
	case isTest && strings.HasPrefix(p, "github.com/stretchr/testify/"):
		return true
	default:
		return false
	}
}

func TestArchitecture_RuleRejectsAdapters(t *testing.T) {
	tests := []struct {
		layer, imp string
		test, ok   bool
	}{
		{"domain", "strings", false, true},
		{"domain", "net/http", false, false},
		{"domain", module + "application/auth", false, false},
		{"application", module + "domain/user", false, true},
		{"application", module + "adapters/persistence", false, false},
		{"application", "github.com/gofiber/fiber/v2", false, false},
		{"application", "golang.org/x/crypto/bcrypt", false, false},
		{"application", "github.com/stretchr/testify/assert", true, true},
		{"application", "github.com/stretchr/testify/assert", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.layer+" "+tc.imp, func(t *testing.T) {
			assert.Equal(t, tc.ok, allowed(tc.layer, tc.imp, tc.test))
		})
	}
}
