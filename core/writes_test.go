package core

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asckeys/asckeys/internal/sharedtest"
	"github.com/asckeys/asckeys/sandbox/apispec"
)

// A PEM CSR as the caller would send it; its content does not matter to the
// client, which sends it as it is.
const testCSR = "-----BEGIN CERTIFICATE REQUEST-----\nMIIBfake\n-----END CERTIFICATE REQUEST-----\n"

// recorded is one request a write server saw, with its body.
type recorded struct {
	method, path string
	body         []byte
}

// writeServer is a fakeAPI whose handler records every request with its body
// and, when the spec is here, checks request and answer against it.
type writeServer struct {
	*fakeAPI
	spec *apispec.Checker

	mu   sync.Mutex
	seen []recorded
}

// specChecker loads Apple's spec for request checks, or ends the test for
// want of it.
func specChecker(t *testing.T) *apispec.Checker {
	t.Helper()
	if _, err := os.Stat(specPath); err != nil {
		sharedtest.Missing(t, "Apple's OpenAPI spec is not at %s: %v", specPath, err)
	}
	return apispec.New(specPath)
}

// newWriteServer serves answer for each request; answer gets the request
// number (1 for the first) and writes the answer.
func newWriteServer(t *testing.T, creds Credentials, spec *apispec.Checker, answer func(n int, w http.ResponseWriter, r *http.Request, body []byte)) *writeServer {
	t.Helper()
	s := &writeServer{spec: spec}
	s.fakeAPI = newFakeAPI(t, creds, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading the request body: %v", err)
		}
		s.mu.Lock()
		s.seen = append(s.seen, recorded{r.Method, r.URL.Path, body})
		n := len(s.seen)
		s.mu.Unlock()
		if spec == nil {
			// Answered directly, so that a handler can drop the connection.
			answer(n, w, r, body)
			return
		}
		req := httptest.NewRequest(r.Method, r.URL.String(), bytes.NewReader(body))
		req.Header = r.Header.Clone()
		check := spec.CheckRequest(req, r.URL.Path)
		rec := httptest.NewRecorder()
		answer(n, rec, r, body)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		if check != nil {
			check(rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
		}
	})
	return s
}

func (s *writeServer) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.seen...)
}

// created is a 201 answer for one resource.
func created(w http.ResponseWriter, typ, id string, attrs obj) {
	writeJSON(w, 201, obj{"data": obj{"type": typ, "id": id, "attributes": attrs, "links": obj{"self": "https://api.appstoreconnect.apple.com/v1/" + typ + "/" + id}},
		"links": obj{"self": "https://api.appstoreconnect.apple.com/v1/" + typ}})
}

// Each write sends the method, path and JSON:API document Apple's spec
// defines, and reads Apple's answer into the result.
func TestWritesSendWhatTheSpecDefines(t *testing.T) {
	spec := specChecker(t)
	certDER := makeCertificate(t, big.NewInt(0x5CF4E617), "Apple Distribution: Example (A1B2C3D4E5)")
	const uuid = "11111111-2222-3333-4444-555555555555"
	prof := makeProfile(t, uuid, "App Store")
	creds := testCreds(t, KindTeam)
	ctx := context.Background()

	for _, tc := range []struct {
		name         string
		call         func(c *Client) (any, error)
		method, path string
		body         string // "" for none
		answer       func(w http.ResponseWriter)
		check        func(t *testing.T, v any)
	}{
		{
			name: "Certificates.Create",
			call: func(c *Client) (any, error) {
				v, _, err := c.Certificates.Create(ctx, "DISTRIBUTION", testCSR)
				return v, err
			},
			method: "POST", path: "/v1/certificates",
			body: `{"data":{"type":"certificates","attributes":{"csrContent":` + jsonString(testCSR) + `,"certificateType":"DISTRIBUTION"}}}`,
			answer: func(w http.ResponseWriter) {
				created(w, "certificates", "C1", obj{"name": "Apple Distribution: Example", "certificateType": "DISTRIBUTION",
					"serialNumber": "5CF4E617", "expirationDate": "2027-11-29T13:56:50.220+0000",
					"certificateContent": base64.StdEncoding.EncodeToString(certDER)})
			},
			check: func(t *testing.T, v any) {
				c := v.(CreatedCertificate)
				if c.ID != "C1" || c.CertificateType != "DISTRIBUTION" || c.SerialNumber != "5CF4E617" || !bytes.Equal(c.DER, certDER) || c.ExpirationDate.IsZero() {
					t.Errorf("got %+v", c.Certificate)
				}
			},
		},
		{
			name:   "Certificates.Revoke",
			call:   func(c *Client) (any, error) { _, err := c.Certificates.Revoke(ctx, "C1"); return nil, err },
			method: "DELETE", path: "/v1/certificates/C1",
			answer: func(w http.ResponseWriter) { w.WriteHeader(204) },
		},
		{
			name: "Profiles.Create",
			call: func(c *Client) (any, error) {
				v, _, err := c.Profiles.Create(ctx, ProfileCreate{Name: "App Store", Type: "IOS_APP_ADHOC", BundleIDID: "B1",
					CertificateIDs: []string{"C1", "C2"}, DeviceIDs: []string{"D1"}})
				return v, err
			},
			method: "POST", path: "/v1/profiles",
			body: `{"data":{"type":"profiles","attributes":{"name":"App Store","profileType":"IOS_APP_ADHOC"},"relationships":{
				"bundleId":{"data":{"type":"bundleIds","id":"B1"}},
				"certificates":{"data":[{"type":"certificates","id":"C1"},{"type":"certificates","id":"C2"}]},
				"devices":{"data":[{"type":"devices","id":"D1"}]}}}}`,
			answer: func(w http.ResponseWriter) {
				created(w, "profiles", "P1", obj{"name": "App Store", "profileType": "IOS_APP_ADHOC", "profileState": "ACTIVE",
					"uuid": uuid, "platform": "IOS", "profileContent": base64.StdEncoding.EncodeToString(prof)})
			},
			check: func(t *testing.T, v any) {
				p := v.(CreatedProfile)
				if p.ID != "P1" || p.UUID != uuid || p.BundleIDID != "B1" || p.CertificateCount != 2 || p.DeviceCount != 1 || !bytes.Equal(p.Content, prof) {
					t.Errorf("got %+v", p.Profile)
				}
			},
		},
		{
			name: "Profiles.Create for the store, without devices",
			call: func(c *Client) (any, error) {
				_, _, err := c.Profiles.Create(ctx, ProfileCreate{Name: "App Store", Type: "IOS_APP_STORE", BundleIDID: "B1", CertificateIDs: []string{"C1"}})
				return nil, err
			},
			method: "POST", path: "/v1/profiles",
			body: `{"data":{"type":"profiles","attributes":{"name":"App Store","profileType":"IOS_APP_STORE"},"relationships":{
				"bundleId":{"data":{"type":"bundleIds","id":"B1"}},
				"certificates":{"data":[{"type":"certificates","id":"C1"}]}}}}`,
			answer: func(w http.ResponseWriter) {
				created(w, "profiles", "P2", obj{"uuid": uuid, "profileContent": base64.StdEncoding.EncodeToString(prof)})
			},
		},
		{
			name:   "Profiles.Delete",
			call:   func(c *Client) (any, error) { _, err := c.Profiles.Delete(ctx, "P1"); return nil, err },
			method: "DELETE", path: "/v1/profiles/P1",
			answer: func(w http.ResponseWriter) { w.WriteHeader(204) },
		},
		{
			name: "Devices.Register",
			call: func(c *Client) (any, error) {
				v, _, err := c.Devices.Register(ctx, "Jane's iPhone", " 00008030-001a35e11a88003a ", "IOS")
				return v, err
			},
			method: "POST", path: "/v1/devices",
			body: `{"data":{"type":"devices","attributes":{"name":"Jane's iPhone","udid":"00008030-001A35E11A88003A","platform":"IOS"}}}`,
			answer: func(w http.ResponseWriter) {
				created(w, "devices", "D1", obj{"name": "Jane's iPhone", "udid": "00008030-001A35E11A88003A", "platform": "IOS", "status": "ENABLED"})
			},
			check: func(t *testing.T, v any) {
				if d := v.(Device); d.ID != "D1" || d.Status != "ENABLED" || d.UDID != "00008030-001A35E11A88003A" {
					t.Errorf("got %+v", d)
				}
			},
		},
		{
			name: "Devices.Update",
			call: func(c *Client) (any, error) {
				status := "DISABLED"
				v, _, err := c.Devices.Update(ctx, "D1", DeviceUpdate{Status: &status})
				return v, err
			},
			method: "PATCH", path: "/v1/devices/D1",
			body: `{"data":{"type":"devices","id":"D1","attributes":{"status":"DISABLED"}}}`,
			answer: func(w http.ResponseWriter) {
				writeJSON(w, 200, obj{"data": obj{"type": "devices", "id": "D1", "attributes": obj{"name": "Old", "status": "DISABLED"}},
					"links": obj{"self": "https://api.appstoreconnect.apple.com/v1/devices/D1"}})
			},
			check: func(t *testing.T, v any) {
				if d := v.(Device); d.ID != "D1" || d.Status != "DISABLED" || d.Name != "Old" {
					t.Errorf("got %+v", d)
				}
			},
		},
		{
			name: "Devices.Update renames",
			call: func(c *Client) (any, error) {
				name := "New"
				_, _, err := c.Devices.Update(ctx, "D1", DeviceUpdate{Name: &name})
				return nil, err
			},
			method: "PATCH", path: "/v1/devices/D1",
			body: `{"data":{"type":"devices","id":"D1","attributes":{"name":"New"}}}`,
			answer: func(w http.ResponseWriter) {
				writeJSON(w, 200, obj{"data": obj{"type": "devices", "id": "D1", "attributes": obj{"name": "New"}},
					"links": obj{"self": "https://api.appstoreconnect.apple.com/v1/devices/D1"}})
			},
		},
		{
			name: "BundleIDs.Create",
			call: func(c *Client) (any, error) {
				v, _, err := c.BundleIDs.Create(ctx, "com.example.app", "Example", "UNIVERSAL")
				return v, err
			},
			method: "POST", path: "/v1/bundleIds",
			body: `{"data":{"type":"bundleIds","attributes":{"identifier":"com.example.app","name":"Example","platform":"UNIVERSAL"}}}`,
			answer: func(w http.ResponseWriter) {
				created(w, "bundleIds", "B1", obj{"identifier": "com.example.app", "name": "Example", "platform": "UNIVERSAL", "seedId": "A1B2C3D4E5"})
			},
			check: func(t *testing.T, v any) {
				if b := v.(BundleID); b.ID != "B1" || b.Identifier != "com.example.app" || b.SeedID != "A1B2C3D4E5" {
					t.Errorf("got %+v", b)
				}
			},
		},
		{
			name:   "BundleIDs.Delete",
			call:   func(c *Client) (any, error) { _, err := c.BundleIDs.Delete(ctx, "B1"); return nil, err },
			method: "DELETE", path: "/v1/bundleIds/B1",
			answer: func(w http.ResponseWriter) { w.WriteHeader(204) },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec.Reset()
			s := newWriteServer(t, creds, spec, func(_ int, w http.ResponseWriter, _ *http.Request, _ []byte) { tc.answer(w) })
			v, err := tc.call(s.client(creds, nil))
			if err != nil {
				t.Fatal(err)
			}
			reqs := s.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.method != tc.method || r.path != tc.path {
				t.Errorf("sent %s %s, want %s %s", r.method, r.path, tc.method, tc.path)
			}
			if tc.body == "" {
				if len(r.body) != 0 {
					t.Errorf("sent a body: %s", r.body)
				}
			} else if got, want := decodeBody(t, r.body), decodeBody(t, []byte(tc.body)); !reflect.DeepEqual(got, want) {
				t.Errorf("sent\n%s\nwant\n%s", r.body, tc.body)
			}
			for _, v := range spec.Violations() {
				t.Error(v)
			}
			if tc.check != nil {
				tc.check(t, v)
			}
		})
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func decodeBody(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return v
}

// The spec check above can fail: a request document the spec does not allow
// is caught.
func TestWriteSpecCheckCatchesAWrongBody(t *testing.T) {
	spec := specChecker(t)
	for _, tc := range []struct{ path, body string }{
		{"/v1/certificates", `{"data":{"type":"certificates","attributes":{"certificateType":"DISTRIBUTION"}}}`},                 // no csrContent
		{"/v1/certificates", `{"data":{"type":"certificate","attributes":{"csrContent":"x","certificateType":"DISTRIBUTION"}}}`}, // wrong type
		{"/v1/certificates", `{"data":{"type":"certificates","attributes":{"csrContent":"x","certificateType":"DISTRIBUTION_PLEASE"}}}`},
		{"/v1/certificates", `{"data":{"type":"certificates","attributes":{"csrContent":5,"certificateType":"DISTRIBUTION"}}}`},
		{"/v1/profiles", `{"data":{"type":"profiles","attributes":{"name":"p","profileType":"IOS_APP_STORE"},"relationships":{"bundleId":{"data":{"type":"bundleIds","id":"B1"}}}}}`}, // no certificates
		{"/v1/devices", `{"data":{"type":"devices","attributes":{"name":"x","udid":"u"}}}`},                                                                                           // no platform
	} {
		spec.Reset()
		r := httptest.NewRequest("POST", tc.path, strings.NewReader(tc.body))
		r.Header.Set("Content-Type", "application/json")
		spec.CheckRequest(r, tc.path)
		if len(spec.Violations()) == 0 {
			t.Errorf("not caught: %s %s", tc.path, tc.body)
		}
	}
}

// A create or delete whose request reached the server is sent once, however
// it failed afterwards, and the error says the outcome is unknown and to
// refresh the list.
func TestWritesAreNotRetriedOnceSent(t *testing.T) {
	creds := testCreds(t, KindTeam)
	drop := func(w http.ResponseWriter) {
		// The body has been read: Apple may have acted on it.
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		conn.Close()
	}
	status := func(code int) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			writeJSON(w, code, apiErrorBody(code, "UNEXPECTED_ERROR", "An unexpected error occurred.", ""))
		}
	}
	garbled := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		io.WriteString(w, `{"data":{"type":"certificates","id":"C1","attri`)
	}
	ctx := context.Background()
	create := func(c *Client) error { _, _, err := c.Certificates.Create(ctx, "DEVELOPMENT", testCSR); return err }
	revoke := func(c *Client) error { _, err := c.Certificates.Revoke(ctx, "C1"); return err }
	deleteProfile := func(c *Client) error { _, err := c.Profiles.Delete(ctx, "P1"); return err }
	register := func(c *Client) error {
		_, _, err := c.Devices.Register(ctx, "x", "00008030-001A35E11A88003A", "IOS")
		return err
	}
	for _, tc := range []struct {
		name   string
		call   func(c *Client) error
		answer func(w http.ResponseWriter)
		list   string
		cause  string
	}{
		{"create, connection dropped", create, drop, "certificates", "the connection failed"},
		{"create, 500", create, status(500), "certificates", "answered 500 UNEXPECTED_ERROR"},
		{"create, 502", create, status(502), "certificates", "answered 502"},
		{"create, 504", create, status(504), "certificates", "answered 504"},
		{"create, 201 cut short", create, garbled, "certificates", "cut short"},
		{"revoke, connection dropped", revoke, drop, "certificates", "the connection failed"},
		{"revoke, 500", revoke, status(500), "certificates", "answered 500"},
		{"delete profile, connection dropped", deleteProfile, drop, "profiles", "the connection failed"},
		{"register device, connection dropped", register, drop, "devices", "the connection failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newWriteServer(t, creds, nil, func(_ int, w http.ResponseWriter, _ *http.Request, _ []byte) { tc.answer(w) })
			var waits []time.Duration
			err := tc.call(s.client(creds, &waits))
			if n := len(s.requests()); n != 1 {
				t.Errorf("%d requests reached the server, want exactly 1", n)
			}
			if !IsUnknownOutcome(err) {
				t.Fatalf("got %v, want an unknown outcome", err)
			}
			for _, w := range []string{"outcome at Apple is unknown", "refresh the list of " + tc.list, tc.cause} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
			if len(waits) != 0 {
				t.Errorf("waited %v for a retry", waits)
			}
		})
	}
}

// A create cancelled while Apple holds it is not retried, and its outcome is
// unknown.
func TestCancelledCreateHasAnUnknownOutcome(t *testing.T) {
	creds := testCreds(t, KindTeam)
	arrived := make(chan struct{})
	s := newWriteServer(t, creds, nil, func(_ int, w http.ResponseWriter, r *http.Request, _ []byte) {
		close(arrived)
		<-r.Context().Done() // held until the client gives up
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	_, _, err := s.client(creds, nil).Profiles.Create(ctx, ProfileCreate{Name: "p", Type: "IOS_APP_STORE", BundleIDID: "B1", CertificateIDs: []string{"C1"}})
	if !IsUnknownOutcome(err) || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "refresh the list of profiles") ||
		!strings.Contains(err.Error(), "it was cancelled") {
		t.Fatalf("got %v", err)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// A create that times out after Apple received it is not retried either.
func TestTimedOutCreateHasAnUnknownOutcome(t *testing.T) {
	creds := testCreds(t, KindTeam)
	s := newWriteServer(t, creds, nil, func(_ int, w http.ResponseWriter, r *http.Request, _ []byte) {
		<-r.Context().Done() // held until the client's request timeout ends it
	})
	var waits []time.Duration
	c := s.client(creds, &waits, WithRequestTimeout(50*time.Millisecond))
	_, _, err := c.BundleIDs.Create(context.Background(), "com.example.app", "x", "IOS")
	var ne *NetworkError
	if !IsUnknownOutcome(err) || !errors.As(err, &ne) || ne.Timeout == 0 || !strings.Contains(err.Error(), "refresh the list of bundle IDs") ||
		!strings.Contains(err.Error(), "none within 50ms") {
		t.Fatalf("got %v", err)
	}
	if n := len(s.requests()); n != 1 || len(waits) != 0 {
		t.Errorf("%d requests, waits %v: want 1 and none", n, waits)
	}
}

// Writes are sent again when Apple provably did not act: a 401 (fresh
// token), a 429 with Retry-After, a 503. A 429 without Retry-After is
// returned, since nothing says when to come back.
func TestWritesRetriedWhenAppleDidNotAct(t *testing.T) {
	creds := testCreds(t, KindTeam)
	ok := func(w http.ResponseWriter) { created(w, "bundleIds", "B1", obj{"identifier": "com.example.app"}) }
	for _, tc := range []struct {
		name     string
		first    func(w http.ResponseWriter)
		requests int
		waits    []time.Duration
		words    string // in the error; "" for success
	}{
		{"429 with Retry-After", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "7")
			writeJSON(w, 429, apiErrorBody(429, "RATE_LIMIT_EXCEEDED", "The request rate limit has been reached.", ""))
		}, 2, []time.Duration{7 * time.Second}, ""},
		{"503", func(w http.ResponseWriter) {
			writeJSON(w, 503, apiErrorBody(503, "SERVICE_UNAVAILABLE", "Service unavailable", ""))
		}, 2, nil, ""},
		{"401", func(w http.ResponseWriter) {
			writeJSON(w, 401, apiErrorBody(401, "NOT_AUTHORIZED", "Authentication credentials are missing or invalid.", ""))
		}, 2, nil, ""},
		{"429 without Retry-After", func(w http.ResponseWriter) {
			writeJSON(w, 429, apiErrorBody(429, "RATE_LIMIT_EXCEEDED", "The request rate limit has been reached.", ""))
		}, 1, nil, "rate limiting"},
		{"429 with the budget spent", func(w http.ResponseWriter) {
			w.Header().Set("X-Rate-Limit", "user-hour-lim:3600;user-hour-rem:0;")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(429)
			json.NewEncoder(w).Encode(apiErrorBody(429, "RATE_LIMIT_EXCEEDED", "The request rate limit has been reached.", ""))
		}, 1, nil, "hourly budget"},
		{"409", func(w http.ResponseWriter) {
			writeJSON(w, 409, apiErrorBody(409, "ENTITY_ERROR.ATTRIBUTE.INVALID", "An attribute value is invalid.", "The identifier is not available."))
		}, 1, nil, "The identifier is not available"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newWriteServer(t, creds, nil, func(n int, w http.ResponseWriter, _ *http.Request, _ []byte) {
				if n == 1 {
					tc.first(w)
					return
				}
				ok(w)
			})
			var waits []time.Duration
			b, _, err := s.client(creds, &waits).BundleIDs.Create(context.Background(), "com.example.app", "Example", "IOS")
			if n := len(s.requests()); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
			if tc.words == "" {
				if err != nil || b.ID != "B1" {
					t.Fatalf("got %+v, %v", b, err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.words) || IsUnknownOutcome(err) {
				t.Fatalf("got %v, want an error saying %q", err, tc.words)
			}
			if tc.waits != nil && !reflect.DeepEqual(waits, tc.waits) {
				t.Errorf("waited %v, want %v", waits, tc.waits)
			}
		})
	}
}

// A create whose connection could not be made reached nobody: it is sent
// again.
func TestCreateRetriedAfterADialError(t *testing.T) {
	creds := testCreds(t, KindTeam)
	s := newWriteServer(t, creds, nil, func(_ int, w http.ResponseWriter, _ *http.Request, _ []byte) {
		created(w, "devices", "D1", obj{"udid": "00008030-001A35E11A88003A"})
	})
	var dials atomic.Int32
	var d net.Dialer
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		}
		return d.DialContext(ctx, network, addr)
	}}}
	var waits []time.Duration
	dev, _, err := s.client(creds, &waits, WithHTTPClient(hc)).Devices.Register(context.Background(), "x", "00008030-001A35E11A88003A", "IOS")
	if err != nil || dev.ID != "D1" {
		t.Fatalf("got %+v, %v", dev, err)
	}
	if dials.Load() != 2 || len(s.requests()) != 1 || len(waits) != 1 {
		t.Errorf("%d dials, %d requests, waits %v: want 2, 1, one wait", dials.Load(), len(s.requests()), waits)
	}
}

// A PATCH does the same when sent twice: it is retried after a 500 and a
// dropped connection, as reads are.
func TestDeviceUpdateRetriedAsReadsAre(t *testing.T) {
	creds := testCreds(t, KindTeam)
	s := newWriteServer(t, creds, nil, func(n int, w http.ResponseWriter, _ *http.Request, _ []byte) {
		switch n {
		case 1:
			writeJSON(w, 500, apiErrorBody(500, "UNEXPECTED_ERROR", "An unexpected error occurred.", ""))
		case 2:
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		default:
			writeJSON(w, 200, obj{"data": obj{"type": "devices", "id": "D1", "attributes": obj{"status": "ENABLED"}}})
		}
	})
	st := "ENABLED"
	d, _, err := s.client(creds, nil).Devices.Update(context.Background(), "D1", DeviceUpdate{Status: &st})
	if err != nil || d.Status != "ENABLED" {
		t.Fatalf("got %+v, %v", d, err)
	}
	if n := len(s.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

// Apple's 409 for a certificate type at its limit becomes a
// *CertificateLimitError naming the type.
func TestCertificateCreateAtTheLimit(t *testing.T) {
	creds := testCreds(t, KindTeam)
	s := newWriteServer(t, creds, nil, func(_ int, w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeJSON(w, 409, apiErrorBody(409, "ENTITY_ERROR", "There is a problem with the request entity",
			"You already have a current Development certificate or a pending certificate request."))
	})
	_, _, err := s.client(creds, nil).Certificates.Create(context.Background(), "IOS_DEVELOPMENT", testCSR)
	var le *CertificateLimitError
	if !errors.As(err, &le) || le.Type != "IOS_DEVELOPMENT" {
		t.Fatalf("got %v", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 409 {
		t.Errorf("does not unwrap to Apple's answer: %v", err)
	}
	for _, w := range []string{CertificateTypeLabel("IOS_DEVELOPMENT"), "IOS_DEVELOPMENT", "limit is reached", "revoke one"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not say %q", err, w)
		}
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// What the rules refuse costs no request.
func TestWritesRefusedBeforeAnyRequest(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		kind  KeyKind
		call  func(c *Client) error
		words string
	}{
		{"individual key creates a certificate", KindIndividual, func(c *Client) error {
			_, _, err := c.Certificates.Create(ctx, "DEVELOPMENT", testCSR)
			return err
		}, "individual keys"},
		{"individual key deletes a profile", KindIndividual, func(c *Client) error { _, err := c.Profiles.Delete(ctx, "P1"); return err }, "individual keys"},
		{"Developer ID", KindTeam, func(c *Client) error {
			_, _, err := c.Certificates.Create(ctx, "DEVELOPER_ID_APPLICATION", testCSR)
			return err
		}, "Account Holder"},
		{"no CSR", KindTeam, func(c *Client) error { _, _, err := c.Certificates.Create(ctx, "DEVELOPMENT", " "); return err }, "signing request"},
		{"devices in a store profile", KindTeam, func(c *Client) error {
			_, _, err := c.Profiles.Create(ctx, ProfileCreate{Name: "p", Type: "IOS_APP_STORE", BundleIDID: "B1", CertificateIDs: []string{"C1"}, DeviceIDs: []string{"D1"}})
			return err
		}, "cannot list devices"},
		{"no devices in a development profile", KindTeam, func(c *Client) error {
			_, _, err := c.Profiles.Create(ctx, ProfileCreate{Name: "p", Type: "IOS_APP_DEVELOPMENT", BundleIDID: "B1", CertificateIDs: []string{"C1"}})
			return err
		}, "at least one device"},
		{"no certificate", KindTeam, func(c *Client) error {
			_, _, err := c.Profiles.Create(ctx, ProfileCreate{Name: "p", Type: "IOS_APP_STORE", BundleIDID: "B1"})
			return err
		}, "DISTRIBUTION or IOS_DISTRIBUTION"},
		{"no bundle ID", KindTeam, func(c *Client) error {
			_, _, err := c.Profiles.Create(ctx, ProfileCreate{Name: "p", Type: "IOS_APP_STORE", CertificateIDs: []string{"C1"}})
			return err
		}, "needs a bundle ID"},
		{"long name", KindTeam, func(c *Client) error {
			_, _, err := c.Profiles.Create(ctx, ProfileCreate{Name: strings.Repeat("n", 101), Type: "IOS_APP_STORE", BundleIDID: "B1", CertificateIDs: []string{"C1"}})
			return err
		}, "at most 100"},
		{"unknown profile type", KindTeam, func(c *Client) error {
			_, _, err := c.Profiles.Create(ctx, ProfileCreate{Name: "p", Type: "MAC_APP_INHOUSE", BundleIDID: "B1", CertificateIDs: []string{"C1"}})
			return err
		}, "not a profile type"},
		{"id that climbs out of the path", KindTeam, func(c *Client) error {
			_, _, err := c.Profiles.Create(ctx, ProfileCreate{Name: "p", Type: "IOS_APP_STORE", BundleIDID: "B1", CertificateIDs: []string{"../x"}})
			return err
		}, "not usable"},
		{"bad UDID", KindTeam, func(c *Client) error { _, _, err := c.Devices.Register(ctx, "x", "123", "IOS"); return err }, "not a device UDID"},
		{"device without a name", KindTeam, func(c *Client) error {
			_, _, err := c.Devices.Register(ctx, " ", "00008030-001A35E11A88003A", "IOS")
			return err
		}, "needs a name"},
		{"device platform", KindTeam, func(c *Client) error {
			_, _, err := c.Devices.Register(ctx, "x", "00008030-001A35E11A88003A", "UNIVERSAL")
			return err
		}, "IOS or MAC_OS"},
		{"empty update", KindTeam, func(c *Client) error { _, _, err := c.Devices.Update(ctx, "D1", DeviceUpdate{}); return err }, "nothing to change"},
		{"bad status", KindTeam, func(c *Client) error {
			s := "GONE"
			_, _, err := c.Devices.Update(ctx, "D1", DeviceUpdate{Status: &s})
			return err
		}, "ENABLED or DISABLED"},
		{"bad bundle identifier", KindTeam, func(c *Client) error {
			_, _, err := c.BundleIDs.Create(ctx, "com.example.my_app", "x", "IOS")
			return err
		}, "reverse-DNS"},
		{"bad bundle platform", KindTeam, func(c *Client) error {
			_, _, err := c.BundleIDs.Create(ctx, "com.example.app", "x", "TV_OS")
			return err
		}, "bundle ID platform"},
		{"bad id to delete", KindTeam, func(c *Client) error { _, err := c.BundleIDs.Delete(ctx, "a/b"); return err }, "not usable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			creds := testCreds(t, tc.kind)
			s := newWriteServer(t, creds, nil, func(_ int, w http.ResponseWriter, _ *http.Request, _ []byte) { w.WriteHeader(500) })
			err := tc.call(s.client(creds, nil))
			if err == nil || !strings.Contains(err.Error(), tc.words) {
				t.Errorf("got %v, want an error saying %q", err, tc.words)
			}
			if n := len(s.requests()); n != 0 {
				t.Errorf("%d requests were sent", n)
			}
		})
	}
}

// Apple's generic "error generating the provisioning profile" 409 is tried
// once more, and only once.
func TestProfileCreateTriesAgainAfterAGenerationError(t *testing.T) {
	creds := testCreds(t, KindTeam)
	const uuid = "11111111-2222-3333-4444-555555555555"
	prof := makeProfile(t, uuid, "p")
	generating := func(w http.ResponseWriter) {
		writeJSON(w, 409, apiErrorBody(409, "ENTITY_ERROR", "There is a problem with the request entity",
			"There was an error generating the provisioning profile. Please try again."))
	}
	for _, tc := range []struct {
		name     string
		failures int
		ok       bool
	}{
		{"once", 1, true},
		{"twice", 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newWriteServer(t, creds, nil, func(n int, w http.ResponseWriter, _ *http.Request, _ []byte) {
				if n <= tc.failures {
					generating(w)
					return
				}
				created(w, "profiles", "P1", obj{"uuid": uuid, "profileContent": base64.StdEncoding.EncodeToString(prof)})
			})
			p, resp, err := s.client(creds, nil).Profiles.Create(context.Background(),
				ProfileCreate{Name: "p", Type: "IOS_APP_STORE", BundleIDID: "B1", CertificateIDs: []string{"C1"}})
			if n := len(s.requests()); n != 2 || resp.Requests != 2 {
				t.Errorf("%d requests (%d counted), want 2", n, resp.Requests)
			}
			if tc.ok && (err != nil || p.ID != "P1") {
				t.Fatalf("got %+v, %v", p.Profile, err)
			}
			if !tc.ok && (err == nil || !strings.Contains(err.Error(), "error generating the provisioning profile")) {
				t.Fatalf("got %v", err)
			}
		})
	}
}
