package docs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// ResponseValidator checks real HTTP responses against the document: the
// status is declared for the operation, the Content-Type is one the response
// declares, the body matches its schema, and required headers
// (WWW-Authenticate, Retry-After, Cache-Control, ...) are present and well
// formed. Requests are not validated: a test may send any request, valid or
// not, and have the answer checked. Security requirements are ignored.
//
// What Validate does with requests the document has no operation for:
//   - OPTIONS (CORS preflight) is not documented and is skipped.
//   - HEAD is checked as the GET of the same path, without a body.
//   - A 404 on an unknown path, or a 404 or 405 on a known path with an
//     undeclared method, must match the NotFound or MethodNotAllowed component
//     responses (problem documents with code not_found / method_not_allowed).
//   - Any other status there is an error: the service answers a route the
//     document does not declare.
//
// A ResponseValidator is safe for concurrent use.
type ResponseValidator struct {
	doc              *openapi3.T
	routes           []route
	notFound         *openapi3.Operation
	methodNotAllowed *openapi3.Operation
	schemaOpts       []openapi3.SchemaValidationOption
}

type route struct {
	template string
	segments []string
	item     *openapi3.PathItem
}

// ValidationError is the error Validate returns: which exchange broke the
// document, and how.
type ValidationError struct {
	Method string
	Path   string
	Status int
	// Problem says what is wrong, e.g. `response body doesn't match schema
	// #/components/schemas/User: Error at "/id": value must be an integer`.
	Problem string
	// Body is the start of the response body, for the test log.
	Body string
	// Err is the underlying kin-openapi error, if any.
	Err error
}

func (e *ValidationError) Error() string {
	msg := fmt.Sprintf("openapi: %s %s answered %d: %s", e.Method, e.Path, e.Status, e.Problem)
	if e.Body != "" {
		msg += "; body: " + e.Body
	}
	return msg
}

func (e *ValidationError) Unwrap() error { return e.Err }

// NewResponseValidator loads the embedded document into a validator of its
// own.
func NewResponseValidator() (*ResponseValidator, error) {
	doc, err := loadDoc(context.Background())
	if err != nil {
		return nil, fmt.Errorf("docs: response validator: %w", err)
	}
	v := &ResponseValidator{
		doc: doc,
		schemaOpts: []openapi3.SchemaValidationOption{
			// kin-openapi checks no "email" format by default.
			openapi3.WithStringFormatValidator("email", openapi3.NewCallbackValidator(validateEmail)),
			// Name the failing field and the reason, without dumping the schema.
			openapi3.DisableSchemaErrorDetails(),
		},
	}
	for tmpl, item := range doc.Paths.Map() {
		v.routes = append(v.routes, route{template: tmpl, segments: splitPath(tmpl), item: item})
	}
	// Literal routes first, so that /docs/{asset} can never shadow a literal path.
	slices.SortFunc(v.routes, func(a, b route) int {
		return strings.Count(a.template, "{") - strings.Count(b.template, "{")
	})
	for status, name := range map[int]string{404: "NotFound", 405: "MethodNotAllowed"} {
		ref := doc.Components.Responses[name]
		if ref == nil || ref.Value == nil {
			return nil, fmt.Errorf("docs: response validator: components.responses.%s missing", name)
		}
		op := openapi3.NewOperation()
		op.Responses = openapi3.NewResponses(openapi3.WithStatus(status, ref))
		if status == 404 {
			v.notFound = op
		} else {
			v.methodNotAllowed = op
		}
	}
	return v, nil
}

// Validate checks one exchange. body is the response body as read by the
// caller (resp.Body is not read). It returns nil when the response conforms,
// and otherwise a *ValidationError naming method, path, status and the problem.
func (v *ResponseValidator) Validate(req *http.Request, resp *http.Response, body []byte) error {
	if req == nil || req.URL == nil || resp == nil {
		return errors.New("openapi: Validate needs a request with a URL and a response")
	}
	method := strings.ToUpper(req.Method)
	if method == "" {
		method = http.MethodGet
	}
	status := resp.StatusCode
	fail := func(err error, format string, args ...any) error {
		return &ValidationError{
			Method: method, Path: req.URL.Path, Status: status,
			Problem: fmt.Sprintf(format, args...), Body: excerpt(body), Err: err,
		}
	}

	if method == http.MethodOptions {
		return nil
	}
	opMethod := method
	if method == http.MethodHead {
		opMethod = http.MethodGet
	}

	rt, params := v.match(req.URL.Path)
	var op *openapi3.Operation
	tmpl := req.URL.Path
	var item *openapi3.PathItem
	if rt != nil {
		tmpl, item = rt.template, rt.item
		op = item.GetOperation(opMethod)
	}
	if op == nil {
		switch status {
		case http.StatusNotFound:
			op = v.notFound
		case http.StatusMethodNotAllowed:
			op = v.methodNotAllowed
		default:
			return fail(nil, "the document declares no operation %s %s", opMethod, req.URL.Path)
		}
		item = &openapi3.PathItem{}
	}

	respRef := op.Responses.Status(status)
	if respRef == nil {
		respRef = op.Responses.Default()
	}
	if respRef == nil || respRef.Value == nil {
		return fail(nil, "status %d is not declared for %s %s (declared: %s)",
			status, opMethod, tmpl, strings.Join(declaredStatuses(op), ", "))
	}

	opts := &openapi3filter.Options{
		IncludeResponseStatus:     true,
		MultiError:                true,
		ExcludeRequestBody:        true,
		ExcludeRequestQueryParams: true,
		AuthenticationFunc:        openapi3filter.NoopAuthenticationFunc,
		SchemaValidationOptions:   v.schemaOpts,
		ExcludeResponseBody:       method == http.MethodHead,
	}

	if content := respRef.Value.Content; len(content) > 0 && !opts.ExcludeResponseBody {
		ct := resp.Header.Get("Content-Type")
		if ct == "" || content.Get(ct) == nil {
			return fail(nil, "Content-Type %q is not declared for this response (declared: %s)",
				ct, strings.Join(slices.Sorted(maps.Keys(content)), ", "))
		}
		if !isJSON(ct) {
			// HTML, scripts, images and Prometheus text have no schema worth
			// checking beyond their media type.
			opts.ExcludeResponseBody = true
		}
	}

	// The request is only a carrier for the route: kin-openapi skips HEAD, so
	// it sees the GET that HEAD stands for, and it never reads the body.
	carrier := req.Clone(context.Background())
	carrier.Method = opMethod
	carrier.Body = http.NoBody
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    carrier,
			PathParams: params,
			Route: &routers.Route{
				Spec: v.doc, Path: tmpl, PathItem: item, Method: opMethod, Operation: op,
			},
			Options: opts,
		},
		Status:  status,
		Header:  resp.Header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		return fail(err, "%s", strings.ReplaceAll(err.Error(), "\n", " "))
	}
	return nil
}

// match finds the path template for a concrete path. A trailing slash is
// ignored and literal segments compare case-insensitively, as Fiber routes do
// by default.
func (v *ResponseValidator) match(p string) (*route, map[string]string) {
	segs := splitPath(p)
	for i := range v.routes {
		rt := &v.routes[i]
		if len(rt.segments) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for j, s := range rt.segments {
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				if segs[j] == "" {
					ok = false
					break
				}
				params[s[1:len(s)-1]] = segs[j]
				continue
			}
			if !strings.EqualFold(s, segs[j]) {
				ok = false
				break
			}
		}
		if ok {
			return rt, params
		}
	}
	return nil, nil
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func declaredStatuses(op *openapi3.Operation) []string {
	return slices.Sorted(maps.Keys(op.Responses.Map()))
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func excerpt(body []byte) string {
	const max = 512
	if len(body) > max {
		return strings.ToValidUTF8(string(body[:max]), "") + "…"
	}
	return strings.ToValidUTF8(string(body), "\uFFFD")
}

// emailPattern is the shape API.md promises for stored emails: a plain
// local@domain address whose domain has at least one dot.
var emailPattern = regexp.MustCompile(`^[^@\s<>()\[\],;:"]+@[^@\s<>()\[\],;:"]+\.[^@\s<>()\[\],;:".]+$`)

func validateEmail(s string) error {
	if !emailPattern.MatchString(s) {
		return errors.New("not a plain local@domain email address")
	}
	return nil
}
