package persistence_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jarvis/jarvis-auth/adapters/persistence"
)

func TestParseDatabaseURL(t *testing.T) {
	wd, err := os.Getwd()
	require.NoError(t, err)

	tests := []struct {
		name    string
		raw     string
		dialect persistence.Dialect
		dsn     string
	}{
		{"postgres scheme", "postgres://u:p@db:5432/app?sslmode=disable", persistence.Postgres, "postgres://u:p@db:5432/app?sslmode=disable"},
		{"postgresql scheme", "postgresql://u@db/app", persistence.Postgres, "postgres://u@db/app"},
		{"sqlalchemy driver suffix ignored", "postgresql+psycopg2://u:p@db/app", persistence.Postgres, "postgres://u:p@db/app"},
		{"any driver suffix ignored", "postgresql+asyncpg://u@db/app", persistence.Postgres, "postgres://u@db/app"},
		{"scheme case ignored", "PostgreSQL://u@db/app", persistence.Postgres, "postgres://u@db/app"},
		{"surrounding spaces trimmed", "  postgres://u@db/app \n", persistence.Postgres, "postgres://u@db/app"},
		{"unix socket via host param", "postgres:///app?host=/var/run/postgresql", persistence.Postgres, "postgres:///app?host=/var/run/postgresql"},
		{"sqlite relative to working dir", "sqlite:///jarvis_auth.db", persistence.SQLite, filepath.Join(wd, "jarvis_auth.db")},
		{"sqlite relative subdir", "sqlite:///data/x.db", persistence.SQLite, filepath.Join(wd, "data", "x.db")},
		{"sqlite absolute", "sqlite:////var/lib/jarvis/auth.db", persistence.SQLite, "/var/lib/jarvis/auth.db"},
		{"sqlite in memory", "sqlite://", persistence.SQLite, ":memory:"},
		{"sqlite sqlalchemy memory spelling", "sqlite:///:memory:", persistence.SQLite, ":memory:"},
		{"sqlite driver suffix ignored", "sqlite+pysqlite:///x.db", persistence.SQLite, filepath.Join(wd, "x.db")},
		{"sqlite query ignored", "sqlite:///x.db?check_same_thread=false", persistence.SQLite, filepath.Join(wd, "x.db")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := persistence.ParseDatabaseURL(tt.raw)
			require.NoError(t, err)
			assert.Equal(t, tt.dialect, got.Dialect)
			assert.Equal(t, tt.dsn, got.DSN)
		})
	}
}

func TestParseDatabaseURL_Unsupported_ErrorSaysWhatIsAcceptedAndHidesPassword(t *testing.T) {
	const secret = "s3cr3tPa55"
	tests := []struct {
		name string
		raw  string
	}{
		{"empty", ""},
		{"no scheme", "u:" + secret + "@db/app"},
		{"mysql", "mysql://u:" + secret + "@db/app"},
		{"password before scheme separator", "u:" + secret + "@db://x"},
		{"malformed postgres", "postgres://u:" + secret + "@db:notaport/app"},
		{"postgres without host", "postgres://u:" + secret + "@/app"},
		{"sqlite with host", "sqlite://host/x.db"},
		{"sqlite without path", "sqlite:///"},
		{"mysql with percent-encoded password", "mysql://u:s3cr3t%50a55@db/app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := persistence.ParseDatabaseURL(tt.raw)
			require.Error(t, err)
			assert.ErrorIs(t, err, persistence.ErrInvalidURL)
			assert.Contains(t, err.Error(), "postgresql+<driver>://")
			assert.Contains(t, err.Error(), "sqlite:///relative.db")
			assert.NotContains(t, err.Error(), secret)
			assert.NotContains(t, err.Error(), "s3cr3t")
		})
	}
}

func TestTarget_String_MasksPassword(t *testing.T) {
	target, err := persistence.ParseDatabaseURL("postgresql+psycopg2://app:hunter22@db:5432/auth")
	require.NoError(t, err)

	assert.NotContains(t, target.String(), "hunter22")
	assert.Contains(t, target.String(), "db:5432/auth")
}
