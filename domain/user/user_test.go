package user_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jarvis/jarvis-auth/domain/user"
)

func TestParseEmail(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want user.Email
		ok   bool
	}{
		{"plain", "a@b.co", "a@b.co", true},
		{"trimmed and lower-cased", "  Alice.Smith+tag@Example.COM\t", "alice.smith+tag@example.com", true},
		{"subdomain", "x@mail.example.org", "x@mail.example.org", true},
		{"254 characters", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 57) + ".co", "", true},
		{"empty", "", "", false},
		{"no at", "alice.example.com", "", false},
		{"two ats", "a@b@c.co", "", false},
		{"nothing before at", "@b.co", "", false},
		{"nothing after at", "a@", "", false},
		{"domain without dot", "a@localhost", "", false},
		{"display name", "Alice <a@b.co>", "", false},
		{"inner space", "a b@c.co", "", false},
		{"leading dot", ".a@b.co", "", false},
		{"double dot", "a..b@c.co", "", false},
		{"empty label", "a@b..co", "", false},
		{"hyphen label", "a@-b.co", "", false},
		{"too long", strings.Repeat("a", 60) + "@" + strings.Repeat("b", 200) + ".co", "", false},
		{"local part too long", strings.Repeat("a", 65) + "@b.co", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := user.ParseEmail(tc.in)
			if !tc.ok {
				var fe user.FieldError
				require.ErrorAs(t, err, &fe)
				assert.Equal(t, "email", fe.Field)
				return
			}
			require.NoError(t, err)
			if tc.want != "" {
				assert.Equal(t, tc.want, got)
			}
			assert.LessOrEqual(t, len(got), user.MaxEmailLength)
		})
	}
}

func TestParseUsername(t *testing.T) {
	tests := []struct {
		name string
		in   string
		typ  string
	}{
		{"valid", "Alice_1.x-y", ""},
		{"three", "abc", ""},
		{"sixty-four", strings.Repeat("a", 64), ""},
		{"too short", "ab", "string_too_short"},
		{"too long", strings.Repeat("a", 65), "string_too_long"},
		{"bad character", "al ice", "string_pattern_mismatch"},
		{"unicode", "ålice", "string_pattern_mismatch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := user.ParseUsername(tc.in)
			if tc.typ == "" {
				require.NoError(t, err)
				assert.Equal(t, user.Username(tc.in), got)
				return
			}
			var fe user.FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tc.typ, fe.Type)
		})
	}
}

func TestDeriveUsername(t *testing.T) {
	tests := []struct {
		email string
		want  user.Username
	}{
		{"john.doe@x.co", "john.doe"},
		{"jo+hn@x.co", "john"},
		{"a@x.co", "a00"},
		{"++@x.co", "user"},
		{strings.Repeat("z", 64) + "@x.co", user.Username(strings.Repeat("z", 64))},
	}
	for _, tc := range tests {
		t.Run(tc.email, func(t *testing.T) {
			got := user.DeriveUsername(user.Email(tc.email))
			assert.Equal(t, tc.want, got)
			_, err := user.ParseUsername(string(got))
			assert.NoError(t, err, "a derived name always passes the rules")
		})
	}
}

func TestUsernameWithSuffix_CutsBaseToFit(t *testing.T) {
	long := user.Username(strings.Repeat("a", 64))
	got := long.WithSuffix(12345)
	assert.Len(t, string(got), 64)
	assert.True(t, strings.HasSuffix(string(got), "12345"))
	assert.Equal(t, user.Username("bob7"), user.Username("bob").WithSuffix(7))
}

func TestNewPassword(t *testing.T) {
	tests := []struct {
		name string
		in   string
		typ  string
	}{
		{"eight characters", "12345678", ""},
		{"eight multibyte characters", "éééééééé", ""},
		{"72 bytes", strings.Repeat("x", 72), ""},
		{"seven characters", "1234567", "string_too_short"},
		{"73 bytes", strings.Repeat("x", 73), "string_too_long"},
		{"37 two-byte characters are 74 bytes", strings.Repeat("é", 37), "string_too_long"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pw, err := user.NewPassword(tc.in)
			if tc.typ == "" {
				require.NoError(t, err)
				assert.Equal(t, tc.in, pw.Reveal())
				return
			}
			var fe user.FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tc.typ, fe.Type)
			assert.NotContains(t, fe.Message, tc.in)
		})
	}
}

func TestPassword_NeverPrintsItself(t *testing.T) {
	pw, err := user.NewPassword("hunter2hunter2")
	require.NoError(t, err)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "pw", pw)
	for _, s := range []string{fmt.Sprint(pw), fmt.Sprintf("%v %+v %#v %s", pw, pw, pw, pw), buf.String()} {
		assert.NotContains(t, s, "hunter2")
	}
}

func TestValidationError_CollectsFieldErrorsOnly(t *testing.T) {
	var v user.ValidationError
	assert.NoError(t, v.Err())
	assert.NoError(t, v.Collect(nil))
	assert.NoError(t, v.Collect(user.FieldError{Field: "email"}))
	assert.NoError(t, v.Collect((&user.ValidationError{}).Add(user.FieldError{Field: "password"})))
	other := fmt.Errorf("boom")
	assert.Equal(t, other, v.Collect(other))
	assert.Len(t, v.Fields, 2)
	assert.ErrorContains(t, v.Err(), "email")
}

func TestUser_CanSignIn(t *testing.T) {
	u := user.New("a@b.co", "abc", "h", testNow)
	assert.NoError(t, u.CanSignIn())
	u.IsActive = false
	assert.ErrorIs(t, u.CanSignIn(), user.ErrInactive)
}
