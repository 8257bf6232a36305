package persistence

import (
	"io/fs"
	"path"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func migrationIDs(t *testing.T, d Dialect) []string {
	t.Helper()
	ms, err := loadMigrations(d)
	require.NoError(t, err)
	var ids []string
	for _, m := range ms.Sorted() {
		ids = append(ids, m.String())
	}
	return ids
}

func TestMigrations_BothDialectsHaveSameIDs(t *testing.T) {
	pg := migrationIDs(t, Postgres)
	require.NotEmpty(t, pg)
	assert.Equal(t, pg, migrationIDs(t, SQLite))
}

func TestMigrations_EveryFileIsNamedAndPaired(t *testing.T) {
	for _, d := range []Dialect{Postgres, SQLite} {
		entries, err := fs.ReadDir(migrationFiles, path.Join("migrations", string(d)))
		require.NoError(t, err)
		for _, e := range entries {
			assert.Regexp(t, migrationName, e.Name())
		}
		assert.Len(t, entries, 2*len(migrationIDs(t, d)), "one up and one down file per migration")
	}
}

func TestSplitStatements(t *testing.T) {
	body := "-- a comment; with a semicolon\nCREATE TABLE a (\n  id INT\n);\n\nCREATE INDEX b ON a (id);\nSELECT 1"
	assert.Equal(t, []string{"CREATE TABLE a (\n  id INT\n)", "CREATE INDEX b ON a (id)", "SELECT 1"}, splitStatements(body))
}
