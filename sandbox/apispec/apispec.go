// Package apispec checks a sandbox's traffic against Apple's OpenAPI document
// (kin-openapi). It is a package of its own so that the shipped binary, which
// starts a sandbox for `asckeys demo`, does not link kin-openapi: only tests
// make a Checker and hand it to sandbox.Config.Spec.
package apispec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// specHost is the server the spec declares; requests are checked as if they
// had been sent there.
const specHost = "api.appstoreconnect.apple.com"

// servedPaths are the spec paths whose operations are checked in full. Every
// other path keeps its methods (so a request to a path the spec lacks is told
// apart from one the sandbox merely does not serve) but loses its
// parameters and schemas: that trims Apple's 3.3 MB document, which takes
// seconds to load under -race, to what the sandbox answers.
var servedPaths = regexp.MustCompile(`^/v1/(certificates|profiles|bundleIds|devices)(/|$)|^/v1/apps(/\{id\})?$`)

// specDoc is a loaded spec and its router, shared by every sandbox in the
// process that uses the same file.
type specDoc struct {
	once   sync.Once
	router routers.Router
	err    error
}

var (
	specCacheMu sync.Mutex
	specCache   = map[string]*specDoc{}
)

func loadSpec(path string) (routers.Router, error) {
	specCacheMu.Lock()
	d := specCache[path]
	if d == nil {
		d = &specDoc{}
		specCache[path] = d
	}
	specCacheMu.Unlock()
	d.once.Do(func() { d.router, d.err = buildRouter(path) })
	return d.router, d.err
}

func buildRouter(path string) (routers.Router, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the OpenAPI spec: %w", err)
	}
	trimmed, err := trimSpec(raw)
	if err != nil {
		return nil, fmt.Errorf("reading the OpenAPI spec %s: %w", path, err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(trimmed)
	if err != nil {
		return nil, fmt.Errorf("loading the OpenAPI spec %s: %w", path, err)
	}
	return gorillamux.NewRouter(doc)
}

// appleDates is the date-time check: Apple writes dates as
// 2019-11-29T13:56:50.220+0000, which is not RFC 3339, and the API is right by
// definition, so both forms pass. Any other string is still flagged.
var appleDates = openapi3.WithStringFormatValidator("date-time", openapi3.NewCallbackValidator(func(s string) error {
	if _, err := time.Parse("2006-01-02T15:04:05.000-0700", s); err == nil {
		return nil
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		return fmt.Errorf("%q is neither Apple's date format nor RFC 3339", s)
	}
	return nil
}))

// trimSpec keeps the served paths whole, the other paths' methods, and the
// components the kept parts refer to (transitively).
func trimSpec(raw []byte) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, err
	}
	var paths map[string]map[string]json.RawMessage
	if err := json.Unmarshal(top["paths"], &paths); err != nil {
		return nil, err
	}
	var components map[string]map[string]json.RawMessage
	if err := json.Unmarshal(top["components"], &components); err != nil {
		return nil, err
	}
	stub := json.RawMessage(`{"responses":{"default":{"description":"not served by the sandbox"}}}`)
	kept := map[string]map[string]json.RawMessage{}
	var todo []json.RawMessage
	for p, item := range paths {
		if servedPaths.MatchString(p) {
			kept[p] = item
			for _, op := range item {
				todo = append(todo, op)
			}
			continue
		}
		ops := map[string]json.RawMessage{}
		for method := range item {
			if method != "parameters" && method != "summary" && method != "description" && method != "servers" {
				ops[method] = stub
			}
		}
		kept[p] = ops
	}
	refRE := regexp.MustCompile(`"\$ref"\s*:\s*"#/components/([^/"]+)/([^"]+)"`)
	keptComponents := map[string]map[string]json.RawMessage{}
	if ss, ok := components["securitySchemes"]; ok {
		keptComponents["securitySchemes"] = ss
	}
	for len(todo) > 0 {
		item := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, m := range refRE.FindAllSubmatch(item, -1) {
			kind, name := string(m[1]), string(m[2])
			if keptComponents[kind][name] != nil {
				continue
			}
			def, ok := components[kind][name]
			if !ok {
				return nil, fmt.Errorf("dangling reference #/components/%s/%s", kind, name)
			}
			if keptComponents[kind] == nil {
				keptComponents[kind] = map[string]json.RawMessage{}
			}
			keptComponents[kind][name] = def
			todo = append(todo, def)
		}
	}
	out := map[string]any{}
	for k, v := range top {
		out[k] = v
	}
	out["paths"] = kept
	out["components"] = keptComponents
	return json.Marshal(out)
}

// Checker validates one sandbox's traffic against the spec and keeps what
// did not match. It implements sandbox.SpecChecker.
type Checker struct {
	router  routers.Router
	loadErr string // why the spec did not load, kept across resets

	mu         sync.Mutex
	violations []string
	dropped    int
}

// maxViolations bounds the record; Violations says how many were left out.
const maxViolations = 1000

// New loads the spec at path (once per process and path) and returns a
// checker for one sandbox. A spec that does not load is reported as the first
// violation, so a test that expects none fails with the reason.
func New(path string) *Checker {
	sc := &Checker{}
	r, err := loadSpec(path)
	if err != nil {
		sc.loadErr = "spec: " + err.Error()
		sc.add(sc.loadErr)
		return sc
	}
	sc.router = r
	return sc
}

func (sc *Checker) add(v string) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if len(sc.violations) >= maxViolations {
		sc.dropped++
		return
	}
	sc.violations = append(sc.violations, v)
}

// specCheck is one request's route in the spec, kept to check its response.
type specCheck struct {
	input *openapi3filter.RequestValidationInput
	what  string
}

// CheckRequest validates the path, method and parameters of r as if sent to
// Apple at apiPath. It returns the check of the response, or nil when there is
// nothing to check the response against.
func (sc *Checker) CheckRequest(r *http.Request, apiPath string) func(status int, contentType string, body []byte) {
	if sc == nil || sc.router == nil { // the spec did not load
		return nil
	}
	req := r.Clone(context.Background())
	req.URL = &url.URL{Scheme: "https", Host: specHost, Path: apiPath, RawQuery: r.URL.RawQuery}
	req.Host = specHost
	req.RequestURI = ""
	what := r.Method + " " + apiPath
	if r.URL.RawQuery != "" {
		what += "?" + r.URL.RawQuery
	}
	route, pathParams, err := sc.router.FindRoute(req)
	if err != nil {
		sc.add(fmt.Sprintf("request %s: %v", what, err))
		return nil
	}
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
			MultiError:              true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{appleDates},
		},
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		var all openapi3.MultiError
		if !errors.As(err, &all) {
			all = openapi3.MultiError{err}
		}
		for _, e := range all {
			var re *openapi3filter.RequestError
			if errors.As(e, &re) && re.Parameter != nil && re.Err != nil {
				for _, m := range schemaErrors(re.Err) {
					sc.add(fmt.Sprintf("request %s: parameter %q: %s", what, re.Parameter.Name, m))
				}
				continue
			}
			sc.add(fmt.Sprintf("request %s: %s", what, oneLine(e)))
		}
	}
	if !servedPaths.MatchString(route.Path) {
		return nil
	}
	chk := &specCheck{input: in, what: what}
	return func(status int, contentType string, body []byte) { sc.checkResponse(chk, status, contentType, body) }
}

// checkResponse validates a response against the schema the spec gives for
// its status. Undocumented statuses count as violations.
func (sc *Checker) checkResponse(chk *specCheck, status int, contentType string, body []byte) {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: chk.input,
		Status:                 status,
		Header:                 h,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			MultiError: true, IncludeResponseStatus: true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{appleDates},
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		for _, e := range schemaErrors(err) {
			sc.add(fmt.Sprintf("response %d to %s: %s", status, chk.what, e))
		}
	}
}

// schemaErrors lists a response's problems one by one, each as where it is
// and what is wrong, rather than kin-openapi's dump of schema and value.
func schemaErrors(err error) []string {
	var all openapi3.MultiError
	if errors.As(err, &all) {
		var out []string
		for _, e := range all {
			out = append(out, schemaErrors(e)...)
		}
		return out
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		value, _ := json.Marshal(se.Value)
		if len(value) > 80 {
			value = append(value[:80], "…"...)
		}
		return []string{fmt.Sprintf("at /%s: %s (value %s)", strings.Join(se.JSONPointer(), "/"), se.Reason, value)}
	}
	return []string{oneLine(err)}
}

func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}

// Violations returns what did not match the spec so far: requests whose
// path, method or parameters the spec does not allow, and responses that do
// not match the schema for their status.
func (sc *Checker) Violations() []string {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	out := slices.Clone(sc.violations)
	if sc.dropped > 0 {
		out = append(out, fmt.Sprintf("… and %d more", sc.dropped))
	}
	return out
}

// Reset forgets the violations recorded so far (but not a spec that did not
// load).
func (sc *Checker) Reset() {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.violations, sc.dropped = nil, 0
	if sc.loadErr != "" {
		sc.violations = []string{sc.loadErr}
	}
}
