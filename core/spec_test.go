package core

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/asckeys/asckeys/internal/sharedtest"
)

// Apple's OpenAPI spec and captured responses live next to the repository,
// in /work/shared; they are read where they are, never copied.
const (
	specPath     = "../../shared/spec/app-store-connect-openapi.json"
	fixturesPath = "../../shared/fixtures"
)

type specParam struct {
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
	Schema   struct {
		Type    string   `json:"type"`
		Enum    []string `json:"enum"`
		Maximum *float64 `json:"maximum"`
		Minimum *float64 `json:"minimum"`
		Items   struct {
			Enum []string `json:"enum"`
		} `json:"items"`
	} `json:"schema"`
}

type specOperation struct {
	Parameters []specParam `json:"parameters"`
}

type openAPISpec struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

var (
	specOnce sync.Once
	specDoc  *openAPISpec
	specErr  error
)

// loadSpec reads Apple's spec once per test binary, skipping when it is not
// on this machine.
func loadSpec(t testing.TB) *openAPISpec {
	t.Helper()
	specOnce.Do(func() {
		data, err := os.ReadFile(specPath)
		if err != nil {
			specErr = err
			return
		}
		specDoc = &openAPISpec{}
		specErr = json.Unmarshal(data, specDoc)
	})
	if os.IsNotExist(specErr) {
		sharedtest.Missing(t, "Apple's OpenAPI spec is not at %s (it lives in /work/shared/spec): %v", specPath, specErr)
	}
	if specErr != nil {
		t.Fatal(specErr)
	}
	return specDoc
}

// specViolations lists what in a GET of path?query Apple's spec does not
// allow: an unknown path, an undeclared query parameter, a value outside a
// parameter's enum, an integer out of range, a missing required parameter.
func specViolations(spec *openAPISpec, method, path string, query url.Values) []string {
	op, ok := findOperation(spec, strings.ToLower(method), path)
	if !ok {
		return []string{fmt.Sprintf("%s %s: no such operation in the spec", method, path)}
	}
	var out []string
	declared := map[string]specParam{}
	for _, p := range op.Parameters {
		if p.In == "query" {
			declared[p.Name] = p
			if p.Required && query.Get(p.Name) == "" {
				out = append(out, fmt.Sprintf("%s %s: required parameter %s missing", method, path, p.Name))
			}
		}
	}
	for name, vals := range query {
		if name == "cursor" {
			// Apple's next links carry an opaque cursor the spec does not
			// declare; the client sends it back untouched.
			continue
		}
		p, ok := declared[name]
		if !ok {
			out = append(out, fmt.Sprintf("%s %s: parameter %s is not in the spec", method, path, name))
			continue
		}
		for _, v := range vals {
			switch p.Schema.Type {
			case "array":
				for _, item := range strings.Split(v, ",") {
					if len(p.Schema.Items.Enum) > 0 && !slices.Contains(p.Schema.Items.Enum, item) {
						out = append(out, fmt.Sprintf("%s %s: %s=%s is not one of the spec's values", method, path, name, item))
					}
				}
			case "integer":
				n, err := strconv.ParseFloat(v, 64)
				if err != nil || (p.Schema.Maximum != nil && n > *p.Schema.Maximum) || (p.Schema.Minimum != nil && n < *p.Schema.Minimum) {
					out = append(out, fmt.Sprintf("%s %s: %s=%s is out of the spec's range", method, path, name, v))
				}
			default:
				if len(p.Schema.Enum) > 0 && !slices.Contains(p.Schema.Enum, v) {
					out = append(out, fmt.Sprintf("%s %s: %s=%s is not one of the spec's values", method, path, name, v))
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// findOperation finds the operation whose path template matches path,
// preferring templates with fewer variables ("/v1/x/relationships" over
// "/v1/x/{id}").
func findOperation(spec *openAPISpec, method, path string) (specOperation, bool) {
	segs := strings.Split(path, "/")
	best, bestVars := "", -1
	for tmpl := range spec.Paths {
		tsegs := strings.Split(tmpl, "/")
		if len(tsegs) != len(segs) {
			continue
		}
		vars := 0
		for i, ts := range tsegs {
			if strings.HasPrefix(ts, "{") {
				vars++
			} else if ts != segs[i] {
				vars = -1
				break
			}
		}
		if vars >= 0 && (bestVars < 0 || vars < bestVars) {
			best, bestVars = tmpl, vars
		}
	}
	raw, ok := spec.Paths[best][method]
	if bestVars < 0 || !ok {
		return specOperation{}, false
	}
	var op specOperation
	if json.Unmarshal(raw, &op) != nil {
		return specOperation{}, false
	}
	return op, true
}
