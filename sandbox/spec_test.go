package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/internal/sharedtest"
	"github.com/asckeys/asckeys/sandbox/apispec"
)

// specPath finds Apple's spec in ../shared next to the repository.
func specPath(t *testing.T) string {
	t.Helper()
	p := filepath.FromSlash("../../shared/spec/app-store-connect-openapi.json")
	if _, err := os.Stat(p); err != nil {
		sharedtest.Missing(t, "Apple's OpenAPI spec is not at %s (%v): skipping the spec checks", p, err)
	}
	return p
}

func TestFindSpecLocatesTheSharedCopy(t *testing.T) {
	want := specPath(t)
	got := FindSpec()
	wantAbs, _ := filepath.Abs(want)
	if got != wantAbs {
		t.Errorf("FindSpec() = %q, want %q", got, wantAbs)
	}
}

// TestSpecAcceptsWhatTheSandboxDoes sends well-formed requests of every kind
// the sandbox serves and expects neither the requests nor the responses to
// be flagged.
func TestSpecAcceptsWhatTheSandboxDoes(t *testing.T) {
	srv := StartTest(t, Config{Seed: 21, Spec: apispec.New(specPath(t))})
	if v := srv.SpecViolations(); len(v) != 0 {
		t.Fatalf("spec did not load: %v", v)
	}
	c := newClient(t, srv, srv.NewKey(core.KindTeam, RoleAdmin))
	dev := newClient(t, srv, srv.NewKey(core.KindTeam, RoleDeveloper))
	ind := newClient(t, srv, srv.NewKey(core.KindIndividual, RoleAdmin))
	prof, cert, bundle, device, app := srv.ProfileIDs()[0], srv.CertificateIDs()[1], srv.BundleIDIDs()[0], srv.DeviceIDs()[0], srv.AppIDs()[0]
	paths := []string{
		"/v1/certificates",
		"/v1/certificates?limit=200&fields[certificates]=name,certificateType,displayName,serialNumber,platform,expirationDate,activated",
		"/v1/certificates?filter[certificateType]=DEVELOPMENT,DISTRIBUTION&sort=-displayName&include=passTypeId&fields[passTypeIds]=name,identifier",
		"/v1/certificates/" + cert,
		"/v1/certificates/" + cert + "?fields[certificates]=certificateContent,serialNumber",
		"/v1/profiles?limit=200&include=bundleId,certificates,devices&limit[devices]=50&limit[certificates]=50",
		"/v1/profiles?fields[profiles]=name,profileType,profileState,uuid,createdDate,expirationDate,bundleId,certificates,devices&fields[bundleIds]=identifier&filter[profileState]=ACTIVE&sort=name",
		"/v1/profiles/" + prof + "?include=bundleId,certificates,devices&fields[devices]=udid,name&fields[certificates]=name",
		"/v1/profiles/" + prof + "/devices?limit=5",
		"/v1/profiles/" + prof + "/certificates",
		"/v1/profiles/" + prof + "/bundleId",
		"/v1/bundleIds?include=profiles,app,bundleIdCapabilities&limit[profiles]=10&filter[platform]=IOS,UNIVERSAL&sort=identifier",
		"/v1/bundleIds/" + bundle + "?include=profiles&fields[profiles]=name",
		"/v1/bundleIds/" + bundle + "/profiles",
		"/v1/devices?limit=10&filter[status]=ENABLED&filter[platform]=IOS&sort=-name",
		"/v1/devices/" + device,
		"/v1/apps?fields[apps]=name,bundleId,sku&limit=1",
		"/v1/apps/" + app,
		"/v1/devices/NOTADEVICE",             // 404
		"/v1/certificates?limit=0",           // 400 from the sandbox; the spec sets no minimum
		"/v1/certificates?fields[apps]=name", // 400 ILLEGAL; the spec ignores unknown parameters
	}
	for _, p := range paths {
		res := c.get(p)
		if res.status >= 500 {
			t.Errorf("%s: %d", p, res.status)
		}
	}
	pageThrough(t, c, "/v1/devices?limit=30")
	dev.get("/v1/certificates/" + cert + "?fields[certificates]=certificateContent") // 403 (a distribution certificate)
	ind.get("/v1/profiles")                                                          // 403
	c.tok = "bogus"
	c.get("/v1/profiles") // 401
	if v := srv.SpecViolations(); len(v) != 0 {
		t.Errorf("%d violations:\n%s", len(v), strings.Join(v, "\n"))
	}
}

// TestSpecFlagsRequestsMadeWrong proves that the check can fail: each request
// breaks the spec in one way and must be flagged.
func TestSpecFlagsRequestsMadeWrong(t *testing.T) {
	srv := StartTest(t, Config{Seed: 21, Spec: apispec.New(specPath(t))})
	c := newClient(t, srv, srv.NewKey(core.KindTeam, RoleAdmin))
	cases := []struct{ path, method, mention string }{
		{"/v1/certificates?fields[certificates]=name,colour", "GET", "fields[certificates]"},
		{"/v1/certificates?filter[certificateType]=IOS_DEVELOPER", "GET", "filter[certificateType]"},
		{"/v1/profiles?include=bundleId,app", "GET", "include"},
		{"/v1/devices?limit=500", "GET", "limit"},
		{"/v1/certificate", "GET", "/v1/certificate"},
		{"/v1/profiles/" + srv.ProfileIDs()[0], "PATCH", "PATCH"},
	}
	for _, tc := range cases {
		srv.ResetSpecViolations()
		c.do(tc.method, tc.path)
		v := srv.SpecViolations()
		if len(v) == 0 || !strings.HasPrefix(v[0], "request ") || !strings.Contains(v[0], tc.mention) {
			t.Errorf("%s %s: violations %q, want one about %s", tc.method, tc.path, v, tc.mention)
		}
	}
}

// TestSpecFlagsResponsesMadeWrong corrupts responses on purpose and expects
// the response check to notice.
func TestSpecFlagsResponsesMadeWrong(t *testing.T) {
	spec := &corruptingChecker{SpecChecker: apispec.New(specPath(t))}
	srv := StartTest(t, Config{Seed: 21, Spec: spec})
	c := newClient(t, srv, srv.NewKey(core.KindTeam, RoleAdmin))
	cases := []struct {
		name, path, mention string
		corrupt             func([]byte) []byte
	}{
		{"status as a number", "/v1/devices/NOTADEVICE", "status", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"status":"404"`), []byte(`"status":404`), 1)
		}},
		{"unknown profile type", "/v1/profiles?limit=5&fields[profiles]=profileType", "profileType", func(b []byte) []byte {
			return bytes.ReplaceAll(b, []byte(`"IOS_APP_DEVELOPMENT"`), []byte(`"IOS_APP_DEV"`))
		}},
		{"links missing", "/v1/devices?limit=2", "links", func(b []byte) []byte {
			i := bytes.LastIndex(b, []byte(`,"links":{"self"`))
			return append(b[:i:i], []byte(`,"meta":{"paging":{"total":1,"limit":2}}}`)...)
		}},
		{"a date that is no date", "/v1/certificates?limit=1&fields[certificates]=expirationDate", "expirationDate", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"expirationDate":"2`), []byte(`"expirationDate":"tomorrow 2`), 1)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetSpecViolations()
			spec.corrupt.Store(&tc.corrupt)
			defer spec.corrupt.Store(nil)
			c.get(tc.path)
			v := srv.SpecViolations()
			if len(v) == 0 || !strings.HasPrefix(v[0], "response ") || !strings.Contains(v[0], tc.mention) {
				t.Errorf("violations %q, want one about %s", v, tc.mention)
			}
		})
	}
}

// corruptingChecker hands the spec check a JSON response body rewritten by
// corrupt, when set, as if the sandbox had sent it.
type corruptingChecker struct {
	SpecChecker
	corrupt atomic.Pointer[func([]byte) []byte]
}

func (c *corruptingChecker) CheckRequest(r *http.Request, apiPath string) func(status int, contentType string, body []byte) {
	check := c.SpecChecker.CheckRequest(r, apiPath)
	if check == nil {
		return nil
	}
	return func(status int, contentType string, body []byte) {
		if fn := c.corrupt.Load(); fn != nil && contentType == "application/json" {
			body = (*fn)(body)
		}
		check(status, contentType, body)
	}
}

// TestQuirksBreakTheSpecAsAppleDoes: with Quirks, the sandbox sends what the
// live API sends and the spec forbids, and the check says so.
func TestQuirksBreakTheSpecAsAppleDoes(t *testing.T) {
	srv := StartTest(t, Config{Seed: 22, Spec: apispec.New(specPath(t)), Quirks: true, Certificates: 60, Profiles: 60})
	c := newClient(t, srv, srv.NewKey(core.KindTeam, RoleAdmin))
	c.get("/v1/certificates?limit=200&fields[certificates]=certificateType,platform")
	c.get("/v1/profiles?limit=200&fields[profiles]=profileType,profileState")
	all := strings.Join(srv.SpecViolations(), "\n")
	for _, quirk := range []string{"DEVELOPER_ID_INSTALLER", "MAC_OS_X", "MAC_APP_INHOUSE", "EXPIRED"} {
		if !strings.Contains(all, quirk) {
			t.Errorf("no violation mentions %s", quirk)
		}
	}
	d := c.get("/v1/devices?limit=200").doc(t)
	if d.Meta.Paging.Total == len(d.list(t)) {
		t.Errorf("Quirks: meta.paging.total is right (%d)", d.Meta.Paging.Total)
	}
}

// TestParametersMatchTheSpec compares, for every GET the sandbox serves, the
// query parameters it accepts with those the spec declares: filters, sort
// keys, include values, fieldsets and their values, and include limits.
func TestParametersMatchTheSpec(t *testing.T) {
	raw, err := os.ReadFile(specPath(t))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Enum       []string `json:"enum"`
				Properties struct {
					Attributes struct {
						Properties map[string]struct {
							Enum []string `json:"enum"`
						} `json:"properties"`
					} `json:"attributes"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	if got := spec.Components.Schemas["CertificateType"].Enum; !slices.Equal(got, certificateTypes) {
		t.Errorf("CertificateType enum %v, sandbox %v", got, certificateTypes)
	}
	if got := spec.Components.Schemas["Device"].Properties.Attributes.Properties["deviceClass"].Enum; !sameSet(got, deviceClasses) {
		t.Errorf("Device deviceClass enum %v, sandbox %v", got, deviceClasses)
	}
	if got := spec.Components.Schemas["Profile"].Properties.Attributes.Properties["profileType"].Enum; !slices.Equal(got, profileTypes) {
		t.Errorf("Profile profileType enum %v, sandbox %v", got, profileTypes)
	}
	type accepts struct {
		filters, sorts, include, fieldTypes, relLimits []string
		enums                                          map[string][]string
	}
	describe := func(rels []relation, filters map[string][]string, sorts []string, md mode, name string) accepts {
		var a accepts
		a.enums = map[string][]string{}
		a.fieldTypes = []string{name}
		if md == modeCollection {
			for f, e := range filters {
				a.filters = append(a.filters, f)
				if e != nil {
					a.enums["filter["+f+"]"] = e
				}
			}
			for _, s := range sorts {
				a.sorts = append(a.sorts, s, "-"+s)
			}
		}
		if md == modeCollection || md == modeInstance {
			for _, r := range rels {
				a.include = append(a.include, r.name)
				a.fieldTypes = append(a.fieldTypes, r.typ)
				if r.many {
					a.relLimits = append(a.relLimits, r.name)
				}
			}
		}
		return a
	}
	of := func(rt any, md mode) accepts {
		switch rt := rt.(type) {
		case *resourceType[*certificate]:
			return describe(rt.relations, filterEnums(rt.filters), keys(rt.sorts), md, rt.name)
		case *resourceType[*profile]:
			return describe(rt.relations, filterEnums(rt.filters), keys(rt.sorts), md, rt.name)
		case *resourceType[*bundleID]:
			return describe(rt.relations, filterEnums(rt.filters), keys(rt.sorts), md, rt.name)
		case *resourceType[*device]:
			return describe(rt.relations, filterEnums(rt.filters), keys(rt.sorts), md, rt.name)
		case *resourceType[*app]:
			return describe(rt.relations, filterEnums(rt.filters), keys(rt.sorts), md, rt.name)
		}
		t.Fatalf("unknown type %T", rt)
		return accepts{}
	}
	endpoints := []struct {
		path string
		want accepts
	}{
		{"/v1/certificates", of(certificatesType, modeCollection)},
		{"/v1/certificates/{id}", of(certificatesType, modeInstance)},
		{"/v1/profiles", of(profilesType, modeCollection)},
		{"/v1/profiles/{id}", of(profilesType, modeInstance)},
		{"/v1/profiles/{id}/devices", of(devicesType, modeRelatedList)},
		{"/v1/profiles/{id}/certificates", of(certificatesType, modeRelatedList)},
		{"/v1/profiles/{id}/bundleId", of(bundleIDsType, modeRelatedOne)},
		{"/v1/bundleIds", of(bundleIDsType, modeCollection)},
		{"/v1/bundleIds/{id}", of(bundleIDsType, modeInstance)},
		{"/v1/bundleIds/{id}/profiles", of(profilesType, modeRelatedList)},
		{"/v1/devices", of(devicesType, modeCollection)},
		{"/v1/devices/{id}", of(devicesType, modeInstance)},
	}
	for _, ep := range endpoints {
		var op struct {
			Parameters []struct {
				Name   string `json:"name"`
				Schema struct {
					Items struct {
						Enum []string `json:"enum"`
					} `json:"items"`
				} `json:"schema"`
			} `json:"parameters"`
		}
		if err := json.Unmarshal(spec.Paths[ep.path]["get"], &op); err != nil {
			t.Errorf("the spec has no GET %s: %v", ep.path, err)
			continue
		}
		var got accepts
		got.enums = map[string][]string{}
		for _, p := range op.Parameters {
			inner, outer := bracketed(p.Name)
			enum := p.Schema.Items.Enum
			switch {
			case outer == "filter":
				got.filters = append(got.filters, inner)
				if enum != nil {
					got.enums[p.Name] = enum
				}
			case p.Name == "sort":
				got.sorts = enum
			case p.Name == "include":
				got.include = enum
			case outer == "fields":
				got.fieldTypes = append(got.fieldTypes, inner)
				if !slices.Equal(enum, typeFields[inner]) {
					t.Errorf("GET %s: %s values %v, sandbox %v", ep.path, p.Name, enum, typeFields[inner])
				}
			case outer == "limit":
				got.relLimits = append(got.relLimits, inner)
			}
		}
		for name, pair := range map[string][2][]string{
			"filters": {got.filters, ep.want.filters}, "sort": {got.sorts, ep.want.sorts}, "include": {got.include, ep.want.include},
			"fields types": {got.fieldTypes, ep.want.fieldTypes}, "include limits": {got.relLimits, ep.want.relLimits},
		} {
			if !sameSet(pair[0], pair[1]) {
				t.Errorf("GET %s: %s in the spec %v, sandbox %v", ep.path, name, pair[0], pair[1])
			}
		}
		for p, e := range got.enums {
			if !sameSet(e, ep.want.enums[p]) {
				t.Errorf("GET %s: %s values in the spec %v, sandbox %v", ep.path, p, e, ep.want.enums[p])
			}
		}
	}
}

func filterEnums[T any](m map[string]filter[T]) map[string][]string {
	out := map[string][]string{}
	for k, f := range m {
		out[k] = f.enum
	}
	return out
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

func TestSpecThatDoesNotLoadIsReported(t *testing.T) {
	srv := New(Config{Spec: apispec.New(filepath.Join(t.TempDir(), "missing.json"))})
	srv.ResetSpecViolations()
	if v := srv.SpecViolations(); len(v) != 1 || !strings.Contains(v[0], "missing.json") {
		t.Errorf("violations = %q", v)
	}
}
