package bootstrap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goodSecret is distinctive so a leak is easy to spot in any output.
const goodSecret = "Zq7v-LEAKCHECK-9f3K2mXw81pRt5YbN0cHs4dUe6gJ"

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func load(t *testing.T, env map[string]string) (Config, []string, error) {
	t.Helper()
	return LoadConfig(envOf(env), filepath.Join(t.TempDir(), "absent.env"))
}

func TestLoadConfig_EmptyEnv_UsesDefaultsAndRandomSecret(t *testing.T) {
	c, warnings, err := load(t, nil)
	require.NoError(t, err)

	assert.Equal(t, "HS256", c.Algorithm)
	assert.Equal(t, 15*time.Minute, c.AccessTokenTTL)
	assert.Equal(t, 7*24*time.Hour, c.RefreshTokenTTL)
	assert.Equal(t, 30*24*time.Hour, c.SessionMaxAge)
	assert.Equal(t, "sqlite:///jarvis_auth.db", c.DatabaseURL)
	assert.Equal(t, 8000, c.Port)
	assert.Equal(t, AppEnvDevelopment, c.AppEnv)
	assert.False(t, c.IsProduction())
	assert.Equal(t, 12, c.BcryptCost)
	assert.Equal(t, "jarvis-auth", c.JWTIssuer)
	assert.Equal(t, 10*time.Second, c.ReuseGrace)
	assert.True(t, c.RevokeFamilyOnReuse)
	assert.Equal(t, slog.LevelInfo, c.LogLevel)
	assert.Equal(t, LogFormatJSON, c.LogFormat)
	assert.Empty(t, c.CORSAllowOrigins)
	assert.Equal(t, 10*time.Second, c.ShutdownTimeout)

	assert.True(t, c.SecretGenerated)
	assert.GreaterOrEqual(t, len(c.SecretKey.Reveal()), 32)
	require.Len(t, warnings, 1)
	assert.Contains(t, warnings[0], "SECRET_KEY")
	assert.Contains(t, warnings[0], "tokens die with the process")
}

func TestLoadConfig_DevRandomSecret_DiffersPerLoad(t *testing.T) {
	a, _, err := load(t, nil)
	require.NoError(t, err)
	b, _, err := load(t, nil)
	require.NoError(t, err)
	assert.NotEqual(t, a.SecretKey.Reveal(), b.SecretKey.Reveal())
}

func TestLoadConfig_ValidValues_AreParsed(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, c Config)
	}{
		{"secret kept verbatim", map[string]string{EnvSecretKey: " " + goodSecret + " "}, func(t *testing.T, c Config) {
			assert.Equal(t, []byte(" "+goodSecret+" "), c.SecretKey.Reveal())
			assert.False(t, c.SecretGenerated)
		}},
		{"algorithm HS384", map[string]string{EnvAlgorithm: "HS384"}, func(t *testing.T, c Config) { assert.Equal(t, "HS384", c.Algorithm) }},
		{"algorithm HS512 lower case", map[string]string{EnvAlgorithm: "hs512"}, func(t *testing.T, c Config) { assert.Equal(t, "HS512", c.Algorithm) }},
		{"access minutes", map[string]string{EnvAccessTokenMinutes: " 5 "}, func(t *testing.T, c Config) { assert.Equal(t, 5*time.Minute, c.AccessTokenTTL) }},
		{"refresh days", map[string]string{EnvRefreshTokenDays: "14"}, func(t *testing.T, c Config) { assert.Equal(t, 14*24*time.Hour, c.RefreshTokenTTL) }},
		{"session max age equal to refresh", map[string]string{EnvRefreshTokenDays: "9", EnvSessionMaxAgeDays: "9"}, func(t *testing.T, c Config) {
			assert.Equal(t, 9*24*time.Hour, c.SessionMaxAge)
		}},
		{"postgres url", map[string]string{EnvDatabaseURL: "postgres://u:p@db:5432/x"}, func(t *testing.T, c Config) { assert.Equal(t, "postgres://u:p@db:5432/x", c.DatabaseURL) }},
		{"postgresql url", map[string]string{EnvDatabaseURL: "postgresql://db/x"}, func(t *testing.T, c Config) { assert.Equal(t, "postgresql://db/x", c.DatabaseURL) }},
		{"sqlalchemy url", map[string]string{EnvDatabaseURL: "postgresql+psycopg2://postgres:postgres@db:5432/jarvis_auth_db"}, func(t *testing.T, c Config) {
			assert.Equal(t, "postgresql+psycopg2://postgres:postgres@db:5432/jarvis_auth_db", c.DatabaseURL)
		}},
		{"sqlite absolute", map[string]string{EnvDatabaseURL: "sqlite:////var/lib/a.db"}, func(t *testing.T, c Config) { assert.Equal(t, "sqlite:////var/lib/a.db", c.DatabaseURL) }},
		{"sqlite memory", map[string]string{EnvDatabaseURL: "sqlite://"}, func(t *testing.T, c Config) { assert.Equal(t, "sqlite://", c.DatabaseURL) }},
		{"port", map[string]string{EnvPort: "65535"}, func(t *testing.T, c Config) { assert.Equal(t, 65535, c.Port) }},
		{"production", map[string]string{EnvAppEnv: "Production", EnvSecretKey: goodSecret}, func(t *testing.T, c Config) {
			assert.Equal(t, AppEnvProduction, c.AppEnv)
			assert.True(t, c.IsProduction())
		}},
		{"bcrypt min", map[string]string{EnvBcryptCost: "4"}, func(t *testing.T, c Config) { assert.Equal(t, 4, c.BcryptCost) }},
		{"bcrypt max", map[string]string{EnvBcryptCost: "31"}, func(t *testing.T, c Config) { assert.Equal(t, 31, c.BcryptCost) }},
		{"issuer", map[string]string{EnvJWTIssuer: "auth.example"}, func(t *testing.T, c Config) { assert.Equal(t, "auth.example", c.JWTIssuer) }},
		{"grace zero disables", map[string]string{EnvReuseGraceSeconds: "0"}, func(t *testing.T, c Config) { assert.Equal(t, time.Duration(0), c.ReuseGrace) }},
		{"revoke false", map[string]string{EnvRevokeFamilyOnReuse: "false"}, func(t *testing.T, c Config) { assert.False(t, c.RevokeFamilyOnReuse) }},
		{"revoke NO", map[string]string{EnvRevokeFamilyOnReuse: "NO"}, func(t *testing.T, c Config) { assert.False(t, c.RevokeFamilyOnReuse) }},
		{"revoke 0", map[string]string{EnvRevokeFamilyOnReuse: "0"}, func(t *testing.T, c Config) { assert.False(t, c.RevokeFamilyOnReuse) }},
		{"revoke Yes", map[string]string{EnvRevokeFamilyOnReuse: "Yes"}, func(t *testing.T, c Config) { assert.True(t, c.RevokeFamilyOnReuse) }},
		{"revoke 1", map[string]string{EnvRevokeFamilyOnReuse: "1"}, func(t *testing.T, c Config) { assert.True(t, c.RevokeFamilyOnReuse) }},
		{"revoke TRUE", map[string]string{EnvRevokeFamilyOnReuse: "TRUE"}, func(t *testing.T, c Config) { assert.True(t, c.RevokeFamilyOnReuse) }},
		{"log level debug", map[string]string{EnvLogLevel: "DEBUG"}, func(t *testing.T, c Config) { assert.Equal(t, slog.LevelDebug, c.LogLevel) }},
		{"log level warn", map[string]string{EnvLogLevel: "warn"}, func(t *testing.T, c Config) { assert.Equal(t, slog.LevelWarn, c.LogLevel) }},
		{"log level error", map[string]string{EnvLogLevel: "error"}, func(t *testing.T, c Config) { assert.Equal(t, slog.LevelError, c.LogLevel) }},
		{"log format text", map[string]string{EnvLogFormat: "text"}, func(t *testing.T, c Config) { assert.Equal(t, LogFormatText, c.LogFormat) }},
		{"cors list", map[string]string{EnvCORSAllowOrigins: " https://a.example , ,http://localhost:3000/,"}, func(t *testing.T, c Config) {
			assert.Equal(t, []string{"https://a.example", "http://localhost:3000"}, c.CORSAllowOrigins)
		}},
		{"cors wildcard", map[string]string{EnvCORSAllowOrigins: "*"}, func(t *testing.T, c Config) { assert.Equal(t, []string{"*"}, c.CORSAllowOrigins) }},
		{"shutdown timeout", map[string]string{EnvShutdownTimeout: "30"}, func(t *testing.T, c Config) { assert.Equal(t, 30*time.Second, c.ShutdownTimeout) }},
		{"empty value means default", map[string]string{EnvPort: "", EnvAlgorithm: "  "}, func(t *testing.T, c Config) {
			assert.Equal(t, 8000, c.Port)
			assert.Equal(t, "HS256", c.Algorithm)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := load(t, tt.env)
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

func TestLoadConfig_InvalidValues_NameTheVariable(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"algorithm none", map[string]string{EnvAlgorithm: "none"}, `ALGORITHM: must be one of HS256, HS384, HS512, got "NONE"`},
		{"algorithm RS256", map[string]string{EnvAlgorithm: "RS256"}, `ALGORITHM: must be one of HS256, HS384, HS512, got "RS256"`},
		{"access minutes text", map[string]string{EnvAccessTokenMinutes: "abc"}, `ACCESS_TOKEN_EXPIRE_MINUTES: must be a positive integer, got "abc"`},
		{"access minutes zero", map[string]string{EnvAccessTokenMinutes: "0"}, `ACCESS_TOKEN_EXPIRE_MINUTES: must be a positive integer, got 0`},
		{"access minutes negative", map[string]string{EnvAccessTokenMinutes: "-5"}, `ACCESS_TOKEN_EXPIRE_MINUTES: must be a positive integer, got -5`},
		{"access minutes overflow", map[string]string{EnvAccessTokenMinutes: "9223372036854775807"}, `ACCESS_TOKEN_EXPIRE_MINUTES: must be a positive integer, got "9223372036854775807"`},
		{"access minutes fraction", map[string]string{EnvAccessTokenMinutes: "1.5"}, `ACCESS_TOKEN_EXPIRE_MINUTES: must be a positive integer, got "1.5"`},
		{"refresh days text", map[string]string{EnvRefreshTokenDays: "week"}, `REFRESH_TOKEN_EXPIRE_DAYS: must be a positive integer, got "week"`},
		{"refresh days zero", map[string]string{EnvRefreshTokenDays: "0"}, `REFRESH_TOKEN_EXPIRE_DAYS: must be a positive integer, got 0`},
		{"session days text", map[string]string{EnvSessionMaxAgeDays: "x"}, `SESSION_MAX_AGE_DAYS: must be a positive integer, got "x"`},
		{"session days zero", map[string]string{EnvSessionMaxAgeDays: "0"}, `SESSION_MAX_AGE_DAYS: must be a positive integer, got 0`},
		{"session shorter than refresh", map[string]string{EnvRefreshTokenDays: "14", EnvSessionMaxAgeDays: "7"}, `SESSION_MAX_AGE_DAYS: must be at least REFRESH_TOKEN_EXPIRE_DAYS (14), got 7`},
		{"database mysql", map[string]string{EnvDatabaseURL: "mysql://u:p@h/db"}, `DATABASE_URL: must be a URL starting with postgres://, postgresql://, postgresql+<driver>:// or sqlite://, got scheme "mysql"`},
		{"database no scheme", map[string]string{EnvDatabaseURL: "u:pw@h/db"}, `DATABASE_URL: must be a URL starting with postgres://, postgresql://, postgresql+<driver>:// or sqlite://, got a value without a scheme`},
		{"database empty driver", map[string]string{EnvDatabaseURL: "postgresql+://h/db"}, `got scheme "postgresql+"`},
		{"port text", map[string]string{EnvPort: "http"}, `PORT: must be an integer from 1 to 65535, got "http"`},
		{"port zero", map[string]string{EnvPort: "0"}, `PORT: must be an integer from 1 to 65535, got 0`},
		{"port too big", map[string]string{EnvPort: "65536"}, `PORT: must be an integer from 1 to 65535, got 65536`},
		{"app env", map[string]string{EnvAppEnv: "staging", EnvSecretKey: goodSecret}, `APP_ENV: must be development or production, got "staging"`},
		{"bcrypt low", map[string]string{EnvBcryptCost: "3"}, `BCRYPT_COST: must be an integer from 4 to 31, got 3`},
		{"bcrypt high", map[string]string{EnvBcryptCost: "32"}, `BCRYPT_COST: must be an integer from 4 to 31, got 32`},
		{"bcrypt text", map[string]string{EnvBcryptCost: "twelve"}, `BCRYPT_COST: must be an integer from 4 to 31, got "twelve"`},
		{"grace negative", map[string]string{EnvReuseGraceSeconds: "-1"}, `REFRESH_TOKEN_REUSE_GRACE_SECONDS: must be a non-negative integer, got -1`},
		{"grace text", map[string]string{EnvReuseGraceSeconds: "ten"}, `REFRESH_TOKEN_REUSE_GRACE_SECONDS: must be a non-negative integer, got "ten"`},
		{"revoke maybe", map[string]string{EnvRevokeFamilyOnReuse: "maybe"}, `REFRESH_TOKEN_REVOKE_FAMILY_ON_REUSE: must be true or false (also 1/0, yes/no), got "maybe"`},
		{"log level", map[string]string{EnvLogLevel: "verbose"}, `LOG_LEVEL: must be one of debug, info, warn, error, got "verbose"`},
		{"log format", map[string]string{EnvLogFormat: "xml"}, `LOG_FORMAT: must be json or text, got "xml"`},
		{"cors path", map[string]string{EnvCORSAllowOrigins: "https://a.example/app"}, `CORS_ALLOW_ORIGINS: must be comma-separated origins like https://app.example.com (or "*"), got "https://a.example/app"`},
		{"cors no scheme", map[string]string{EnvCORSAllowOrigins: "a.example"}, `CORS_ALLOW_ORIGINS: must be comma-separated origins`},
		{"shutdown zero", map[string]string{EnvShutdownTimeout: "0"}, `SHUTDOWN_TIMEOUT_SECONDS: must be a positive integer, got 0`},
		{"shutdown text", map[string]string{EnvShutdownTimeout: "soon"}, `SHUTDOWN_TIMEOUT_SECONDS: must be a positive integer, got "soon"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := load(t, tt.env)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Len(t, strings.Split(err.Error(), "\n"), 1, "one problem, one line")
		})
	}
}

func TestLoadConfig_ManyProblems_AreReportedTogether(t *testing.T) {
	_, _, err := load(t, map[string]string{
		EnvAppEnv:              AppEnvProduction,
		EnvAlgorithm:           "none",
		EnvAccessTokenMinutes:  "abc",
		EnvPort:                "99999",
		EnvBcryptCost:          "2",
		EnvLogFormat:           "yaml",
		EnvRevokeFamilyOnReuse: "perhaps",
	})
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	assert.Len(t, lines, 7)
	for _, v := range []string{EnvSecretKey, EnvAlgorithm, EnvAccessTokenMinutes, EnvPort, EnvBcryptCost, EnvLogFormat, EnvRevokeFamilyOnReuse} {
		assert.Contains(t, err.Error(), v+": ")
	}
	assert.IsNonDecreasing(t, lines, "lines are sorted so output is stable")
}

func TestLoadConfig_ProductionSecretGuard(t *testing.T) {
	tests := []struct {
		name    string
		secret  *string
		wantErr string
	}{
		{"missing", nil, "SECRET_KEY: required when APP_ENV=production"},
		{"empty", ptr(""), "SECRET_KEY: required when APP_ENV=production"},
		{"short", ptr("Zq7v9f3K2mXw81pR"), "SECRET_KEY: must be at least 32 bytes"},
		{"placeholder changeme", ptr("changeme"), "SECRET_KEY: must not be a placeholder"},
		{"placeholder upper case", ptr("CHANGEME"), "SECRET_KEY: must not be a placeholder"},
		{"placeholder your-secret-key", ptr("Your-Secret-Key"), "SECRET_KEY: must not be a placeholder"},
		{"placeholder secret", ptr("secret"), "SECRET_KEY: must not be a placeholder"},
		{"long placeholder", ptr("change-me-to-a-long-random-string-in-production"), "SECRET_KEY: must not be a placeholder"},
		{"repeated character", ptr(strings.Repeat("x", 40)), "SECRET_KEY: must not be a placeholder"},
		{"good", ptr(goodSecret), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{EnvAppEnv: AppEnvProduction}
			if tt.secret != nil {
				env[EnvSecretKey] = *tt.secret
			}
			c, warnings, err := load(t, env)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, []byte(goodSecret), c.SecretKey.Reveal())
				assert.False(t, c.SecretGenerated)
				assert.Empty(t, warnings)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.False(t, c.SecretGenerated, "production never invents a key")
			if tt.secret != nil && *tt.secret != "" {
				assert.NotContains(t, err.Error(), *tt.secret)
			}
		})
	}
}

func TestLoadConfig_UnknownAppEnv_GetsProductionSecretRules(t *testing.T) {
	c, _, err := load(t, map[string]string{EnvAppEnv: "prod"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "APP_ENV: must be development or production")
	assert.Contains(t, err.Error(), "SECRET_KEY: required")
	assert.False(t, c.SecretGenerated)
}

func TestLoadConfig_DevelopmentWeakSecret_Warns(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		want   string
	}{
		{"placeholder", "changeme", "known placeholder"},
		{"short", "Zq7v9f3K2mXw81pR", "shorter than 32 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, warnings, err := load(t, map[string]string{EnvSecretKey: tt.secret})
			require.NoError(t, err)
			assert.Equal(t, []byte(tt.secret), c.SecretKey.Reveal())
			require.Len(t, warnings, 1)
			assert.Contains(t, warnings[0], tt.want)
			assert.NotContains(t, warnings[0], tt.secret)
		})
	}
}

func TestLoadConfig_KeyShorterThanHash_Warns(t *testing.T) {
	_, warnings, err := load(t, map[string]string{EnvAlgorithm: "HS512", EnvSecretKey: goodSecret})
	require.NoError(t, err)
	require.Len(t, warnings, 1)
	assert.Contains(t, warnings[0], "64 bytes")
}

func TestLoadConfig_DotenvFile_IsReadAndEnvironmentWins(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".env")
	require.NoError(t, os.WriteFile(path, []byte(
		"# comment\nPORT=9000\nJWT_ISSUER=from-file\nexport LOG_FORMAT=text\nSECRET_KEY=\""+goodSecret+"\"\n"), 0o600))

	c, _, err := LoadConfig(envOf(map[string]string{EnvPort: "9100"}), path)
	require.NoError(t, err)
	assert.Equal(t, 9100, c.Port, "environment wins over .env")
	assert.Equal(t, "from-file", c.JWTIssuer)
	assert.Equal(t, LogFormatText, c.LogFormat)
	assert.Equal(t, []byte(goodSecret), c.SecretKey.Reveal())
	assert.False(t, c.SecretGenerated)
}

func TestLoadConfig_EmptyEnvironmentVariable_StillWinsOverDotenv(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	require.NoError(t, os.WriteFile(path, []byte("PORT=9000\n"), 0o600))

	c, _, err := LoadConfig(envOf(map[string]string{EnvPort: ""}), path)
	require.NoError(t, err)
	assert.Equal(t, 8000, c.Port, "present-but-empty in the environment means default, as with godotenv.Load")
}

func TestLoadConfig_MissingDotenv_IsFine(t *testing.T) {
	c, _, err := LoadConfig(envOf(map[string]string{EnvPort: "9001"}), filepath.Join(t.TempDir(), "nope", ".env"))
	require.NoError(t, err)
	assert.Equal(t, 9001, c.Port)

	_, _, err = LoadConfig(nil, "")
	require.NoError(t, err, "no lookup and no file means defaults")
}

func TestLoadConfig_BrokenDotenv_IsAnErrorWithoutContents(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T) string
	}{
		{"malformed", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), ".env")
			require.NoError(t, os.WriteFile(p, []byte("SECRET_KEY=\""+goodSecret+"\nBAD LINE!\n"), 0o600))
			return p
		}},
		{"bad key name", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), ".env")
			require.NoError(t, os.WriteFile(p, []byte("B@D=1\nSECRET_KEY="+goodSecret+"\n"), 0o600))
			return p
		}},
		{"a directory", func(t *testing.T) string { return t.TempDir() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := LoadConfig(nil, tt.setup(t))
			require.Error(t, err)
			assert.Contains(t, err.Error(), ".env file")
			assert.NotContains(t, err.Error(), "LEAKCHECK")
		})
	}
}

func TestSecret_NeverPrinted(t *testing.T) {
	s := Secret(goodSecret)
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		out := fmt.Sprintf(format, s)
		assert.NotContains(t, out, "LEAKCHECK", format)
		assert.Contains(t, out, "[REDACTED]", format)
	}
	j, err := json.Marshal(map[string]any{"k": s})
	require.NoError(t, err)
	assert.JSONEq(t, `{"k":"[REDACTED]"}`, string(j))
	assert.Equal(t, []byte(goodSecret), s.Reveal())

	revealed := s.Reveal()
	revealed[0] = '!'
	assert.Equal(t, []byte(goodSecret), s.Reveal(), "Reveal hands out a copy")
}

func TestConfig_SecretAndDatabasePassword_NeverPrinted(t *testing.T) {
	for _, appEnv := range []string{AppEnvDevelopment, AppEnvProduction} {
		t.Run(appEnv, func(t *testing.T) {
			c, warnings, err := load(t, map[string]string{
				EnvAppEnv:      appEnv,
				EnvSecretKey:   goodSecret,
				EnvAlgorithm:   "HS512",
				EnvDatabaseURL: "postgresql+psycopg2://postgres:DBPASSLEAK@db:5432/jarvis_auth_db?sslmode=disable&password=QUERYPASSLEAK",
			})
			require.NoError(t, err)

			var outputs []string
			for _, format := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x"} {
				outputs = append(outputs, fmt.Sprintf(format, c), fmt.Sprintf(format, &c))
			}
			outputs = append(outputs, c.String(), c.GoString())
			outputs = append(outputs, warnings...)

			var buf bytes.Buffer
			slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", c, "secret", c.SecretKey)
			outputs = append(outputs, buf.String())
			buf.Reset()
			slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "config", c)
			outputs = append(outputs, buf.String())

			j, err := json.Marshal(c)
			require.NoError(t, err)
			outputs = append(outputs, string(j))

			for _, out := range outputs {
				assert.NotContains(t, out, "LEAKCHECK")
				assert.NotContains(t, out, "DBPASSLEAK")
				assert.NotContains(t, out, "QUERYPASSLEAK")
			}
			assert.Contains(t, c.String(), "secret_key=[REDACTED]")
			assert.Contains(t, c.String(), "database_url=postgresql+psycopg2://postgres:xxxxx@db:5432/jarvis_auth_db")
			assert.Contains(t, string(j), `"secret_key":"[REDACTED]"`)
		})
	}
}

func TestLoadConfig_SecretNeverInErrors(t *testing.T) {
	// Every other variable is wrong so that every message path runs.
	_, warnings, err := load(t, map[string]string{
		EnvSecretKey:           "short-LEAKCHECK",
		EnvAppEnv:              AppEnvProduction,
		EnvAlgorithm:           "x",
		EnvAccessTokenMinutes:  "x",
		EnvRefreshTokenDays:    "x",
		EnvSessionMaxAgeDays:   "x",
		EnvDatabaseURL:         "mysql://root:DBPASSLEAK@h/db",
		EnvPort:                "x",
		EnvBcryptCost:          "x",
		EnvReuseGraceSeconds:   "x",
		EnvRevokeFamilyOnReuse: "x",
		EnvLogLevel:            "x",
		EnvLogFormat:           "x",
		EnvCORSAllowOrigins:    "x",
		EnvShutdownTimeout:     "x",
	})
	require.Error(t, err)
	assert.Len(t, strings.Split(err.Error(), "\n"), 14, "every variable but APP_ENV is wrong")
	assert.NotContains(t, err.Error(), "LEAKCHECK")
	assert.NotContains(t, err.Error(), "DBPASSLEAK")
	for _, w := range warnings {
		assert.NotContains(t, w, "LEAKCHECK")
	}
}

func TestMaskDatabaseURL(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"sqlite untouched", "sqlite:///jarvis_auth.db", "sqlite:///jarvis_auth.db"},
		{"memory untouched", "sqlite://", "sqlite://"},
		{"no password untouched", "postgres://u@h/db", "postgres://u@h/db"},
		{"user password", "postgres://u:pw@h:5432/db", "postgres://u:xxxxx@h:5432/db"},
		{"sqlalchemy", "postgresql+psycopg2://postgres:postgres@db:5432/jarvis_auth_db", "postgresql+psycopg2://postgres:xxxxx@db:5432/jarvis_auth_db"},
		{"query password", "postgres://h/db?password=pw&sslmode=disable", "postgres://h/db?password=xxxxx&sslmode=disable"},
		{"unparseable hides everything", "postgres://u:p#w@h/db", "postgres://[REDACTED]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, maskDatabaseURL(tt.in))
		})
	}
}

func TestValidate_HandBuiltConfig(t *testing.T) {
	c := DefaultConfig()
	c.SecretKey = Secret(goodSecret)
	require.NoError(t, c.Validate())

	c.Port = 0
	c.SessionMaxAge = time.Hour
	err := c.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "PORT:")
	assert.Contains(t, err.Error(), "SESSION_MAX_AGE_DAYS:")
}

func ptr(s string) *string { return &s }
