package core

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// hostile holds what a server could use to drive a terminal or disguise a
// text: OSC (window title) and CSI (clear screen) escapes, BEL, NUL, DEL, C1
// controls, bidirectional overrides and isolates, a line separator, tabs and
// line breaks, and a byte that is not UTF-8.
const hostile = "A\x1b]0;owned\x07\x1b[2J\x00\x7f\u0085\u009b\u202eB\u2066\u2028\t\r\nC\xff"

// jsonText writes s as a JSON string, keeping every byte it can raw (invalid
// UTF-8 included), escaping only what JSON requires.
func jsonText(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// unsafeFor reports the first rune of s a terminal or a reader must not
// get: C0 controls, DEL, C1 controls, bidirectional overrides and isolates,
// invalid UTF-8. It is written out here, apart from SafeText, so that the
// tests check SafeText's rule rather than restate it.
func unsafeFor(s string) (rune, bool) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return rune(s[i]), true
		}
		if r < 0x20 || r >= 0x7f && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x2028 || r == 0x2029 {
			return r, true
		}
		i += size
	}
	return 0, false
}

// assertSafeText fails t when any string reachable from v (fields, slices,
// maps, pointers, errors' messages and the errors they wrap) holds a rune
// unsafeFor refuses.
func assertSafeText(t testing.TB, what string, v any) {
	t.Helper()
	seen := map[uintptr]bool{}
	var walk func(path string, rv reflect.Value)
	check := func(path, s string) {
		if r, bad := unsafeFor(s); bad {
			t.Errorf("%s: %s holds %U: %q", what, path, r, s)
		}
	}
	errType := reflect.TypeFor[error]()
	walk = func(path string, rv reflect.Value) {
		if !rv.IsValid() {
			return
		}
		if rv.Type() == reflect.TypeFor[time.Time]() {
			return
		}
		if rv.Type().Implements(errType) && rv.CanInterface() && !(rv.Kind() == reflect.Pointer && rv.IsNil()) {
			if err, ok := rv.Interface().(error); ok && err != nil {
				check(path+".Error()", err.Error())
			}
		}
		switch rv.Kind() {
		case reflect.String:
			check(path, rv.String())
		case reflect.Pointer, reflect.Interface:
			if rv.IsNil() {
				return
			}
			if rv.Kind() == reflect.Pointer {
				if seen[rv.Pointer()] {
					return
				}
				seen[rv.Pointer()] = true
			}
			walk(path, rv.Elem())
		case reflect.Struct:
			for i := range rv.NumField() {
				f := rv.Type().Field(i)
				if f.Type == reflect.TypeFor[*http.Response]() {
					continue // the raw answer, kept for its headers
				}
				walk(path+"."+f.Name, rv.Field(i))
			}
		case reflect.Slice, reflect.Array:
			for i := range rv.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), rv.Index(i))
			}
		case reflect.Map:
			for _, k := range rv.MapKeys() {
				walk(fmt.Sprintf("%s[%v]", path, k), rv.MapIndex(k))
			}
		}
	}
	walk(what, reflect.ValueOf(v))
	if err, ok := v.(error); ok {
		for e := err; e != nil; e = errors.Unwrap(e) {
			check(what+" (wrapped)", e.Error())
		}
	}
}

// hostileLists answers every list with hostile texts in every attribute that
// is shown, and plain ids, serials and UUIDs.
func hostileLists(w http.ResponseWriter, r *http.Request) {
	h := jsonText(hostile)
	var doc string
	switch r.URL.Path {
	case "/v1/certificates":
		doc = `{"data":[{"type":"certificates","id":"C1","attributes":{"name":` + h + `,"displayName":` + h +
			`,"certificateType":` + h + `,"platform":` + h + `,"serialNumber":"5CF4E617EE678ABF","expirationDate":` + h + `,"activated":true}}]}`
	case "/v1/profiles":
		doc = `{"data":[{"type":"profiles","id":"P1","attributes":{"name":` + h + `,"platform":` + h + `,"profileType":` + h +
			`,"profileState":` + h + `,"uuid":"9B3A1C0E-0F6C-4E0A-8C55-3A3C8E2F9D11","createdDate":` + h + `,"expirationDate":` + h + `},` +
			`"relationships":{"bundleId":{"data":{"type":"bundleIds","id":"B1"}}}}],` +
			`"included":[{"type":"bundleIds","id":"B1","attributes":{"identifier":` + h + `}}]}`
	case "/v1/bundleIds":
		doc = `{"data":[{"type":"bundleIds","id":"B1","attributes":{"name":` + h + `,"identifier":` + h + `,"platform":` + h + `,"seedId":` + h + `}}]}`
	case "/v1/devices":
		doc = `{"data":[{"type":"devices","id":"D1","attributes":{"name":` + h + `,"udid":` + h + `,"deviceClass":` + h +
			`,"model":` + h + `,"platform":` + h + `,"status":` + h + `,"addedDate":` + h + `}}]}`
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, doc)
}

// allLists calls every list and Verify, each on a client of its own from
// client, returning what each gave: the value and the error.
func allLists(client func() *Client) map[string][2]any {
	ctx := context.Background()
	out := map[string][2]any{}
	l1, _, e1 := client().Certificates.List(ctx, nil)
	out["certificates"] = [2]any{l1, e1}
	l2, _, e2 := client().Profiles.List(ctx, nil)
	out["profiles"] = [2]any{l2, e2}
	l3, _, e3 := client().BundleIDs.List(ctx, nil)
	out["bundle IDs"] = [2]any{l3, e3}
	l4, _, e4 := client().Devices.List(ctx, nil)
	out["devices"] = [2]any{l4, e4}
	v, _, e5 := client().Verify(ctx)
	out["verify"] = [2]any{v, e5}
	return out
}

// fakeClients makes allLists' clients for f.
func fakeClients(f *fakeAPI, creds Credentials) func() *Client {
	return func() *Client { return f.client(creds, nil) }
}

// TestHostileTextIsMadeSafeAtTheSource: a server that answers with terminal
// escapes, bidi overrides and invalid UTF-8 in every text it sends gets none
// of them through the client, in the lists' items or in any error.
func TestHostileTextIsMadeSafeAtTheSource(t *testing.T) {
	creds := testCreds(t, KindTeam)
	f := newFakeAPI(t, creds, hostileLists)
	lists := allLists(fakeClients(f, creds))
	for name, got := range lists {
		if name != "verify" && got[1] != nil {
			t.Errorf("%s: %v", name, got[1])
		}
		assertSafeText(t, name, got[0])
		assertSafeText(t, name+" error", got[1])
	}
	// The texts are kept, escaped, not dropped.
	if certs, _ := lists["certificates"][0].([]Certificate); len(certs) != 1 || !strings.Contains(certs[0].Name, `\x1b]0;owned\x07`) ||
		!strings.Contains(certs[0].ExpirationDate.Raw, `\u202e`) {
		t.Errorf("certificates = %+v", certs)
	}
	if profs, _ := lists["profiles"][0].([]Profile); len(profs) != 1 || !strings.Contains(profs[0].BundleIdentifier, `\x1b[2J`) {
		t.Errorf("profiles = %+v", profs)
	}

	errorAnswers := map[string]http.HandlerFunc{
		"JSON errors": func(w http.ResponseWriter, r *http.Request) {
			h := jsonText(hostile)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(409)
			fmt.Fprint(w, `{"errors":[{"id":`+h+`,"status":`+h+`,"code":`+h+`,"title":`+h+`,"detail":`+h+
				`,"source":{"pointer":`+h+`,"parameter":`+h+`}},{"code":"X","title":"Plain.","detail":`+h+`}]}`)
		},
		"406 text": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(406)
			fmt.Fprint(w, strings.Repeat("\u202e", 3)+hostile)
		},
		"HTML error": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(403)
			fmt.Fprint(w, "<html><body>"+hostile+"</body></html>")
		},
		"HTML success": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=\"\u202e\"")
			fmt.Fprint(w, "<html><body>"+hostile+"</body></html>")
		},
		"garbled JSON": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"data":[{"type":"devices","id":"D1","attributes":{"name":[`+jsonText(hostile)+`]}}]}`)
		},
		"429 spent": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Rate-Limit", "user-hour-lim:3600;user-hour-rem:0;")
			w.WriteHeader(429)
			fmt.Fprint(w, `{"errors":[{"status":"429","code":`+jsonText(hostile)+`,"title":`+jsonText(hostile)+`}]}`)
		},
		"redirect": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "https://a\u202eb.example/x\u202e?q=\u202e")
			w.WriteHeader(302)
		},
		"next link": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"data":[],"links":{"next":`+jsonText("https://a\u202eb.example/x")+`}}`)
		},
		"unreadable next link": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"data":[],"links":{"next":`+jsonText("http://[\u202e\x1b]/")+`}}`)
		},
	}
	for name, h := range errorAnswers {
		t.Run(name, func(t *testing.T) {
			f := newFakeAPI(t, creds, h)
			for list, got := range allLists(fakeClients(f, creds)) {
				// Verify reads neither the items' attributes nor next links.
				if got[1] == nil && list != "verify" {
					t.Errorf("%s: no error", list)
				}
				assertSafeText(t, list+" error", got[1])
			}
		})
	}
}

// listPaths are the paths of allLists' lists.
var listPaths = map[string]string{"certificates": "/v1/certificates", "profiles": "/v1/profiles",
	"bundle IDs": "/v1/bundleIds", "devices": "/v1/devices"}

// TestHostileIDsAreRefused: values whose exact bytes matter (ids that go
// into URLs, serials compared with the certificate, UUIDs that name files)
// are not altered but refused, with an error that is itself safe.
func TestHostileIDsAreRefused(t *testing.T) {
	creds := testCreds(t, KindTeam)
	h := jsonText("X\x1b[2J\u202e")
	for name, doc := range map[string]struct{ path, doc string }{
		"certificate id":     {"/v1/certificates", `{"data":[{"type":"certificates","id":` + h + `,"attributes":{"name":"n"}}]}`},
		"certificate serial": {"/v1/certificates", `{"data":[{"type":"certificates","id":"C1","attributes":{"serialNumber":` + h + `}}]}`},
		"profile id":         {"/v1/profiles", `{"data":[{"type":"profiles","id":` + h + `,"attributes":{"name":"n"}}]}`},
		"profile uuid":       {"/v1/profiles", `{"data":[{"type":"profiles","id":"P1","attributes":{"uuid":` + h + `}}]}`},
		"profile bundle ID": {"/v1/profiles", `{"data":[{"type":"profiles","id":"P1","attributes":{},` +
			`"relationships":{"bundleId":{"data":{"type":"bundleIds","id":` + h + `}}}}]}`},
		"bundle ID id": {"/v1/bundleIds", `{"data":[{"type":"bundleIds","id":` + h + `,"attributes":{}}]}`},
		"device id":    {"/v1/devices", `{"data":[{"type":"devices","id":` + h + `,"attributes":{}}]}`},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeAPI(t, creds, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != doc.path {
					writeJSON(w, 200, obj{"data": []obj{}})
					return
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, doc.doc)
			})
			for list, got := range allLists(fakeClients(f, creds)) {
				assertSafeText(t, list, got[0])
				assertSafeText(t, list+" error", got[1])
				if listPaths[list] == doc.path {
					err, _ := got[1].(error)
					if err == nil || !strings.Contains(err.Error(), "malformed") {
						t.Errorf("%s: err = %v, want it refused as malformed", list, err)
					}
				}
			}
		})
	}
}

// TestHostileContentIsMadeSafe: the texts of a downloaded file reach no
// message or value unescaped either.
func TestHostileContentIsMadeSafe(t *testing.T) {
	info, err := ParseProfile(makeProfile(t, fuzzUUID, hostile))
	if err != nil {
		t.Fatal(err)
	}
	assertSafeText(t, "profile info", info)
	if !strings.Contains(info.Name, `\u202eB`) {
		t.Errorf("Name = %q", info.Name)
	}
	_, err = ParseProfile(makeProfile(t, "9B3A1C0E\u202e", "App Store"))
	if err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("a profile whose UUID holds a bidi override: err = %v", err)
	}
	assertSafeText(t, "profile error", err)

	creds := testCreds(t, KindTeam)
	serial, _ := new(big.Int).SetString(fuzzSerial, 16)
	der := makeCertificate(t, serial, "x")
	f := newFakeAPI(t, creds, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(contentDocument("certificates", "certificateContent", der, `,"serialNumber":`+jsonText(hostile)))
	})
	_, _, err = f.client(creds, nil).Certificates.Content(context.Background(), Certificate{ID: "C1"})
	if err == nil {
		t.Fatal("a hostile serial was accepted")
	}
	assertSafeText(t, "certificate error", err)
}

// TestAssertSafeTextCatches: the checker above finds what it must.
func TestAssertSafeTextCatches(t *testing.T) {
	for _, v := range []any{
		Certificate{Name: "\x1b[2J"},
		[]Profile{{BundleIdentifier: "a\u202e"}},
		&APIError{Errors: []ErrorItem{{Source: &ErrorSource{Parameter: "\x07"}}}},
		fmt.Errorf("x: %w", errors.New("\u009b")),
	} {
		rec := &recorder{TB: t}
		assertSafeText(rec, "v", v)
		if !rec.failed {
			t.Errorf("assertSafeText missed %#v", v)
		}
	}
}

// recorder is a testing.TB that notes a failure instead of failing.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}
