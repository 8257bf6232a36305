package docs

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadSpecJSON(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(Spec())
	require.NoError(t, err)
	return doc
}

func TestSpec_LoadsAndValidatesAsOpenAPI303(t *testing.T) {
	doc := loadSpecJSON(t)

	require.NoError(t, doc.Validate(context.Background(), openapi3.EnableExamplesValidation()))
	assert.Equal(t, "3.0.3", doc.OpenAPI)
	assert.Empty(t, doc.Servers, "no servers: Swagger UI's Try it out must call the origin it was loaded from")
}

func TestSpec_JSONIsTheYAMLDocument(t *testing.T) {
	fromYAML, err := openapi3.NewLoader().LoadFromData(specYAML)
	require.NoError(t, err)
	want, err := json.Marshal(fromYAML)
	require.NoError(t, err)
	got, err := json.Marshal(loadSpecJSON(t))
	require.NoError(t, err)

	assert.JSONEq(t, string(want), string(got))
}

func TestSpec_ReturnsACopy(t *testing.T) {
	a := Spec()
	a[0] = 'X'
	assert.Equal(t, byte('{'), Spec()[0])
}

func TestYAMLToJSON_KeepsKeyOrderAndScalarTypes(t *testing.T) {
	in := "b: 1\na: '1'\nc: [true, null, 1.5, 2025-01-01T00:00:00Z]\nd: <x> & y\n"

	out, err := yamlToJSON([]byte(in))

	require.NoError(t, err)
	assert.Equal(t, `{
  "b": 1,
  "a": "1",
  "c": [
    true,
    null,
    1.5,
    "2025-01-01T00:00:00Z"
  ],
  "d": "<x> & y"
}
`, string(out))
}

// exampleCase is one example of the document with the schema it illustrates.
type exampleCase struct {
	where  string
	value  any
	schema *openapi3.SchemaRef
}

func collectExamples(doc *openapi3.T) []exampleCase {
	var out []exampleCase
	addMedia := func(where string, content openapi3.Content) {
		for mt, media := range content {
			if media.Schema == nil {
				continue
			}
			if media.Example != nil {
				out = append(out, exampleCase{where + " " + mt, media.Example, media.Schema})
			}
			for name, ex := range media.Examples {
				out = append(out, exampleCase{where + " " + mt + " " + name, ex.Value.Value, media.Schema})
			}
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.RequestBody != nil {
				addMedia(where+" request", op.RequestBody.Value.Content)
			}
			for status, resp := range op.Responses.Map() {
				addMedia(where+" "+status, resp.Value.Content)
			}
			for _, p := range op.Parameters {
				if p.Value.Example != nil {
					out = append(out, exampleCase{where + " param " + p.Value.Name, p.Value.Example, p.Value.Schema})
				}
			}
		}
	}
	for name, resp := range doc.Components.Responses {
		addMedia("components.responses."+name, resp.Value.Content)
	}
	for name, s := range doc.Components.Schemas {
		if s.Value.Example != nil {
			out = append(out, exampleCase{"components.schemas." + name, s.Value.Example, s})
		}
		for prop, ps := range s.Value.Properties {
			if ps.Value.Example != nil {
				out = append(out, exampleCase{"components.schemas." + name + "." + prop, ps.Value.Example, ps})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].where < out[j].where })
	return out
}

func schemaOptions() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{
		openapi3.MultiErrors(),
		openapi3.WithStringFormatValidator("email", openapi3.NewCallbackValidator(validateEmail)),
	}
}

func TestSpec_EveryExampleMatchesItsSchema(t *testing.T) {
	examples := collectExamples(loadSpecJSON(t))
	require.Greater(t, len(examples), 40, "the walk found too few examples")

	for _, ex := range examples {
		t.Run(ex.where, func(t *testing.T) {
			assert.NoError(t, ex.schema.Value.VisitJSON(ex.value, schemaOptions()...))
		})
	}
}

func TestSpec_ExampleCheckCatchesADriftedExample(t *testing.T) {
	user := loadSpecJSON(t).Components.Schemas["User"].Value
	drifted := map[string]any{
		"id": "1", "email": "alice@example.com", "username": "alice", "is_active": true,
		"created_at": "2025-01-01T12:00:00Z", "updated_at": "2025-01-01T12:00:00Z",
	}

	assert.Error(t, user.VisitJSON(drifted, schemaOptions()...))
}

func TestOperations_ListsEveryEndpointOfTheContract(t *testing.T) {
	want := []Operation{
		{"POST", "/auth/login"},
		{"POST", "/auth/logout"},
		{"GET", "/auth/me"},
		{"POST", "/auth/refresh"},
		{"POST", "/auth/register"},
		{"GET", "/docs"},
		{"GET", "/docs/{asset}"},
		{"GET", "/health"},
		{"GET", "/metrics"},
		{"GET", "/openapi.json"},
		{"GET", "/ready"},
	}

	assert.Equal(t, want, Operations())
}

func TestSpec_DeclaresTheContractStatuses(t *testing.T) {
	tests := []struct {
		method, path string
		statuses     []string
	}{
		{"POST", "/auth/register", []string{"200", "409", "413", "415", "422", "500", "503"}},
		{"POST", "/auth/login", []string{"200", "401", "403", "413", "415", "422", "500", "503"}},
		{"POST", "/auth/refresh", []string{"200", "401", "413", "415", "422", "500", "503"}},
		{"GET", "/auth/me", []string{"200", "401", "403", "500", "503"}},
		{"POST", "/auth/logout", []string{"200", "413", "415", "422", "500", "503"}},
		{"GET", "/health", []string{"200"}},
		{"GET", "/ready", []string{"200", "503"}},
		{"GET", "/metrics", []string{"200"}},
		{"GET", "/docs", []string{"200"}},
		{"GET", "/docs/{asset}", []string{"200", "304", "404"}},
		{"GET", "/openapi.json", []string{"200"}},
	}
	doc := loadSpecJSON(t)
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			op := doc.Paths.Value(tt.path).GetOperation(tt.method)
			require.NotNil(t, op)
			assert.Equal(t, tt.statuses, slices.Sorted(maps.Keys(op.Responses.Map())))
			assert.Nil(t, op.Responses.Default(), "a default response would hide undeclared statuses")
		})
	}
}

func TestSpec_ErrorResponsesAreProblemDocuments(t *testing.T) {
	doc := loadSpecJSON(t)
	for _, o := range Operations() {
		op := doc.Paths.Value(o.Path).GetOperation(o.Method)
		for status, resp := range op.Responses.Map() {
			if status < "400" || o.Path == "/ready" {
				continue
			}
			t.Run(fmt.Sprintf("%s %s %s", o.Method, o.Path, status), func(t *testing.T) {
				content := resp.Value.Content
				assert.Equal(t, []string{"application/problem+json"}, slices.Collect(maps.Keys(content)))
				schema := content["application/problem+json"].Schema.Value
				require.Len(t, schema.AllOf, 2)
				assert.Equal(t, "#/components/schemas/Problem", schema.AllOf[0].Ref)
				narrow := schema.AllOf[1].Value.Properties
				assert.Equal(t, []any{float64(mustAtoi(t, status))}, narrow["status"].Value.Enum,
					"the body's status must be the HTTP status")
				assert.NotEmpty(t, narrow["code"].Value.Enum)
				if status == "503" {
					require.Contains(t, resp.Value.Headers, "Retry-After")
					assert.True(t, resp.Value.Headers["Retry-After"].Value.Required)
				}
			})
		}
	}
}

func mustAtoi(t *testing.T, s string) int {
	var n int
	_, err := fmt.Sscanf(s, "%d", &n)
	require.NoError(t, err)
	return n
}

func TestSpec_TokenResponsesForbidCaching(t *testing.T) {
	doc := loadSpecJSON(t)
	for _, path := range []string{"/auth/register", "/auth/login", "/auth/refresh"} {
		headers := doc.Paths.Value(path).Post.Responses.Status(200).Value.Headers
		for _, h := range []string{"Cache-Control", "Pragma"} {
			require.Contains(t, headers, h, path)
			assert.True(t, headers[h].Value.Required, "%s %s", path, h)
		}
	}
}

func TestSpec_MeUsesBearerAuthAndAnswersWWWAuthenticate(t *testing.T) {
	doc := loadSpecJSON(t)
	me := doc.Paths.Value("/auth/me").Get

	require.NotNil(t, me.Security)
	assert.Contains(t, (*me.Security)[0], "bearerAuth")
	scheme := doc.Components.SecuritySchemes["bearerAuth"].Value
	assert.Equal(t, "http", scheme.Type)
	assert.Equal(t, "bearer", scheme.Scheme)
	h := me.Responses.Status(401).Value.Headers["WWW-Authenticate"]
	require.NotNil(t, h)
	assert.True(t, h.Value.Required)
}

func TestSpec_RegisterResponseIsUserFieldsPlusLoginResponse(t *testing.T) {
	schemas := loadSpecJSON(t).Components.Schemas
	reg := schemas["RegisterResponse"].Value
	want := map[string]*openapi3.Schema{}
	for name, s := range schemas["User"].Value.Properties {
		want[name] = s.Value
	}
	for name, s := range schemas["LoginResponse"].Value.Properties {
		want[name] = s.Value
	}

	require.ElementsMatch(t, slices.Collect(maps.Keys(want)), slices.Collect(maps.Keys(reg.Properties)))
	for name, s := range want {
		assert.Equal(t, s, reg.Properties[name].Value, name)
	}
	assert.ElementsMatch(t, slices.Collect(maps.Keys(want)), reg.Required)
	for _, name := range []string{"User", "TokenResponse", "LoginResponse", "RegisterResponse"} {
		ap := schemas[name].Value.AdditionalProperties.Has
		assert.True(t, ap != nil && !*ap, "%s must be closed", name)
	}
}

func TestSpec_ErrorCodesAreTheContractCodes(t *testing.T) {
	codes := loadSpecJSON(t).Components.Schemas["ErrorCode"].Value.Enum

	assert.ElementsMatch(t, []any{
		"invalid_credentials", "inactive_user", "email_taken", "username_taken",
		"validation_failed", "invalid_token", "invalid_refresh_token", "refresh_token_reused",
		"unsupported_media_type", "payload_too_large", "not_found", "method_not_allowed",
		"unavailable", "internal",
	}, codes)
}

func TestSpec_DescriptionDocumentsTheOpenChoices(t *testing.T) {
	desc := loadSpecJSON(t).Info.Description

	for _, phrase := range []string{
		"Register answers 200", "`user`", "at+jwt", "no `aud`", "`sid`",
		"*same* successor", "*current*", "refresh_token_reused",
		`200 {"detail": "Logged out"}`, "application/problem+json", "Retry-After",
	} {
		assert.True(t, strings.Contains(desc, phrase), "info.description should mention %q", phrase)
	}
}

func TestSpec_RegisterPasswordStatesTheByteLimit(t *testing.T) {
	pw := loadSpecJSON(t).Components.Schemas["RegisterRequest"].Value.Properties["password"].Value

	assert.Equal(t, uint64(8), pw.MinLength)
	assert.Contains(t, pw.Description, "72 bytes")
}
