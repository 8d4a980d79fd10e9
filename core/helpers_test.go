package core

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/smallstep/pkcs7"
	"howett.net/plist"
)

// fakeAPI is an httptest server that mounts a handler under a path prefix,
// as go-github's tests do, so any URL the client builds without its base URL
// lands on a 404. It checks every request's token against the key's public
// key and records what was asked.
type fakeAPI struct {
	t      *testing.T
	srv    *httptest.Server
	prefix string
	pub    *ecdsa.PublicKey

	mu       sync.Mutex
	requests []*url.URL
	tokens   map[string]bool
}

const fakePrefix = "/asc-test"

func newFakeAPI(t *testing.T, creds Credentials, h http.HandlerFunc) *fakeAPI {
	t.Helper()
	f := &fakeAPI{t: t, prefix: fakePrefix, tokens: map[string]bool{}}
	if creds.PrivateKey != nil {
		f.pub = &creds.PrivateKey.PublicKey
	}
	mux := http.NewServeMux()
	mux.Handle(fakePrefix+"/", http.StripPrefix(fakePrefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		u := *r.URL
		f.requests = append(f.requests, &u)
		f.mu.Unlock()
		if f.pub != nil && !f.checkToken(r) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			fmt.Fprint(w, `{"errors":[{"status":"401","code":"NOT_AUTHORIZED","title":"Authentication credentials are missing or invalid."}]}`)
			return
		}
		h(w, r)
	})))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base URL's path: %s", r.URL)
		http.NotFound(w, r)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) checkToken(r *http.Request) bool {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	_, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return f.pub, nil }, jwt.WithValidMethods([]string{"ES256"}))
	f.mu.Lock()
	f.tokens[raw] = true
	f.mu.Unlock()
	return err == nil
}

// base is the base URL to give the client.
func (f *fakeAPI) base() string { return f.srv.URL + f.prefix }

// abs makes an absolute link under the base URL, as Apple's links are.
func (f *fakeAPI) abs(pathAndQuery string) string { return f.base() + pathAndQuery }

func (f *fakeAPI) requestCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func (f *fakeAPI) requestURLs() []*url.URL {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*url.URL(nil), f.requests...)
}

// client returns a client for the fake, with quick retries whose waits are
// recorded rather than slept.
func (f *fakeAPI) client(creds Credentials, waits *[]time.Duration, opts ...Option) *Client {
	base := []Option{WithBaseURL(f.base()), WithRetry(RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond})}
	if waits != nil {
		base = append(base, WithSleepRecorder(waits))
	}
	return NewClient(creds, append(base, opts...)...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Rate-Limit", "user-hour-lim:3600;user-hour-rem:3500;")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

type obj = map[string]any

func apiErrorBody(status int, code, title, detail string) obj {
	return obj{"errors": []obj{{"id": "e1", "status": fmt.Sprint(status), "code": code, "title": title, "detail": detail}}}
}

// makeCertificate returns the DER of a self-signed certificate with serial.
func makeCertificate(t testing.TB, serial *big.Int, cn string) []byte {
	t.Helper()
	key := newTestKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, OrganizationalUnit: []string{"A1B2C3D4E5"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// makeProfile returns a CMS-signed .mobileprovision whose plist has uuid.
func makeProfile(t testing.TB, uuid, name string) []byte {
	t.Helper()
	body, err := plist.Marshal(map[string]any{
		"UUID": uuid, "Name": name, "TeamIdentifier": []string{"A1B2C3D4E5"},
		"ExpirationDate": time.Now().AddDate(1, 0, 0), "Entitlements": map[string]any{"get-task-allow": true},
	}, plist.XMLFormat)
	if err != nil {
		t.Fatal(err)
	}
	signerKey := newTestKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Test Provisioning Profile Signing"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &signerKey.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	sd, err := pkcs7.NewSignedData(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := sd.AddSigner(cert, signerKey, pkcs7.SignerInfoConfig{}); err != nil {
		t.Fatal(err)
	}
	out, err := sd.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return out
}
