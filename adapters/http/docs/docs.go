// Package docs holds the service's OpenAPI document and its Swagger UI, both
// embedded in the binary, and a validator that checks real HTTP responses
// against the document.
//
// The document is written in YAML (openapi.yaml, easier to review) and served
// as JSON at /openapi.json, converted once with its key order kept.
package docs

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"
)

//go:embed openapi.yaml
var specYAML []byte

// specJSON is the document converted to JSON once; a failure is a bug in the
// embedded file (the package tests load it), so Spec panics on it.
var specJSON = sync.OnceValues(func() ([]byte, error) {
	return yamlToJSON(specYAML)
})

// Spec returns the OpenAPI document as indented JSON. Each call returns a new
// copy, so callers may keep or modify it.
func Spec() []byte {
	b, err := specJSON()
	if err != nil {
		panic(fmt.Sprintf("docs: embedded openapi.yaml: %v", err))
	}
	return bytes.Clone(b)
}

// Operation is one (method, path) that the document declares. Path uses the
// document's template syntax, e.g. "/docs/{asset}".
type Operation struct {
	Method string
	Path   string
}

// Operations lists every operation the document declares, sorted by path and
// then method. GET /docs/ (an alias of GET /docs that Mount registers) and the
// HEAD routes Fiber adds to every GET route are not separate operations.
func Operations() []Operation {
	ops, err := operations()
	if err != nil {
		panic(fmt.Sprintf("docs: embedded openapi.yaml: %v", err))
	}
	return slices.Clone(ops)
}

var operations = sync.OnceValues(func() ([]Operation, error) {
	doc, err := loadDoc(context.Background())
	if err != nil {
		return nil, err
	}
	var ops []Operation
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, Operation{Method: method, Path: path})
		}
	}
	slices.SortFunc(ops, func(a, b Operation) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	return ops, nil
})

// loadDoc parses and validates the embedded document into a new value, so
// that callers never share (and never race on) kin-openapi's lazily filled
// fields.
func loadDoc(ctx context.Context) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(specYAML)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if err := doc.Validate(ctx, openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	return doc, nil
}

// yamlToJSON converts a YAML document to indented JSON, keeping the order of
// mapping keys (a generic map would sort them, scrambling the document).
func yamlToJSON(in []byte) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(in, &root); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeJSON(&buf, &root); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func writeJSON(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return fmt.Errorf("line %d: want one document, got %d", n.Line, len(n.Content))
		}
		return writeJSON(buf, n.Content[0])
	case yaml.AliasNode:
		return writeJSON(buf, n.Alias)
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				return fmt.Errorf("line %d: only plain scalar keys are supported", k.Line)
			}
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k.Value)
			buf.WriteByte(':')
			if err := writeJSON(buf, v); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
		return nil
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, v := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSON(buf, v); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	case yaml.ScalarNode:
		return writeScalar(buf, n)
	default:
		return fmt.Errorf("line %d: unsupported YAML node kind %d", n.Line, n.Kind)
	}
}

func writeScalar(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.ShortTag() {
	case "!!str", "!!timestamp", "!!binary":
		// A timestamp stays the text it was written as.
		writeString(buf, n.Value)
		return nil
	case "!!null":
		buf.WriteString("null")
		return nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		if f, ok := v.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
			return fmt.Errorf("line %d: %q has no JSON form", n.Line, n.Value)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		buf.Write(b)
		return nil
	default:
		return fmt.Errorf("line %d: unsupported YAML tag %s", n.Line, n.Tag)
	}
}

// writeString writes s as a JSON string without escaping <, > and &: the
// document is data, not HTML, and stays readable.
func writeString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)           // a string always encodes
	buf.Truncate(buf.Len() - 1) // Encode appends a newline
}
