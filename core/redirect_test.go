package core

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// authRecorder is the server a redirect points to: it records the
// Authorization header of every request it gets.
type authRecorder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	auth []string
}

func newAuthRecorder(t *testing.T) *authRecorder {
	t.Helper()
	a := &authRecorder{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.auth = append(a.auth, r.Header.Get("Authorization"))
		a.mu.Unlock()
		writeJSON(w, 200, obj{"data": []obj{}, "links": obj{"self": "x"}})
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *authRecorder) received() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.auth...)
}

// TestRedirectsAreRefused: App Store Connect never redirects API calls, so a
// redirect anywhere (another port, https to http, another host, even the same
// origin) ends the call with one clear error, and no request after it carries
// the token. The client's own http.Client and one a caller passes with
// WithHTTPClient behave alike.
func TestRedirectsAreRefused(t *testing.T) {
	creds := testCreds(t, KindTeam)
	target := newAuthRecorder(t)
	_, targetPort, _ := net.SplitHostPort(target.srv.Listener.Addr().String())

	redirectTo := func(loc func(r *http.Request) string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, loc(r), http.StatusTemporaryRedirect)
		}
	}
	// A dialer that sends connections for collector.example to the
	// recorder, so that a redirect to another host name reaches it if it is
	// followed.
	toRecorder := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == "collector.example:80" {
			addr = target.srv.Listener.Addr().String()
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}

	cases := []struct {
		name  string
		start func(h http.Handler) *httptest.Server
		loc   func(r *http.Request) string
		// client, when set, is passed with WithHTTPClient.
		client func(first *httptest.Server) *http.Client
	}{
		{name: "cross-port", start: httptest.NewServer,
			loc: func(*http.Request) string { return "http://127.0.0.1:" + targetPort + "/v1/certificates" }},
		{name: "https to http", start: httptest.NewTLSServer,
			loc:    func(*http.Request) string { return target.srv.URL + "/v1/certificates" },
			client: func(first *httptest.Server) *http.Client { return first.Client() }},
		{name: "another host", start: httptest.NewServer,
			loc: func(*http.Request) string { return "http://collector.example/v1/certificates" },
			client: func(*httptest.Server) *http.Client {
				return &http.Client{Transport: toRecorder, CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
			}},
		{name: "same origin", start: httptest.NewServer,
			loc: func(r *http.Request) string { return "/elsewhere" + r.URL.Path }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(target.received())
			var firstRequests int
			var mu sync.Mutex
			first := tc.start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				firstRequests++
				mu.Unlock()
				if strings.HasPrefix(r.URL.Path, "/elsewhere") {
					target.mu.Lock()
					target.auth = append(target.auth, r.Header.Get("Authorization"))
					target.mu.Unlock()
					writeJSON(w, 200, obj{"data": []obj{}, "links": obj{"self": "x"}})
					return
				}
				redirectTo(tc.loc)(w, r)
			}))
			t.Cleanup(first.Close)
			opts := []Option{WithBaseURL(first.URL), WithRetry(RetryPolicy{MaxAttempts: 3})}
			var hc *http.Client
			if tc.client != nil {
				hc = tc.client(first)
				opts = append(opts, WithHTTPClient(hc))
			}
			c := NewClient(creds, opts...)
			_, _, err := c.Certificates.List(context.Background(), nil)
			var re *RedirectError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v (%T), want a *RedirectError", err, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "App Store Connect answered with a redirect to ") ||
				!strings.Contains(msg, "refusing to send the key's token there") {
				t.Errorf("message %q", msg)
			}
			if got := target.received()[before:]; len(got) > 0 {
				t.Errorf("the redirect was followed: %d requests after it, with Authorization %q", len(got), got)
			}
			mu.Lock()
			n := firstRequests
			mu.Unlock()
			if n != 1 {
				t.Errorf("%d requests to the first server, want 1 (a redirect is not retried)", n)
			}
			if hc != nil && hc.CheckRedirect != nil && hc.CheckRedirect(nil, nil) != nil {
				t.Error("the caller's http.Client was changed")
			}
		})
	}
}

// TestPlainHTTPOnlyToLoopback: the token crosses a network only over TLS.
func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	creds := testCreds(t, KindTeam)
	for base, ok := range map[string]bool{
		"http://127.0.0.1:8080":           true,
		"http://[::1]:8080":               true,
		"http://localhost:8080/prefix":    true,
		"https://api.example.com":         true,
		"http://api.example.com":          false,
		"http://192.168.1.10:8080":        false,
		"http://localhost.example.com:80": false,
	} {
		var tried bool
		hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			tried = true
			return nil, errors.New("offline")
		})}
		_, _, err := NewClient(creds, WithBaseURL(base), WithHTTPClient(hc), WithRetry(RetryPolicy{MaxAttempts: 1})).Verify(context.Background())
		refused := err != nil && strings.Contains(err.Error(), "plain http")
		if refused == ok || tried == !ok {
			t.Errorf("%s: err = %v, request sent: %v", base, err, tried)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSameOrigin(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"https://api.example.com/v1/a", "https://API.example.com/v1/b?x=1", true},
		{"https://api.example.com:443/v1/a", "https://api.example.com/v1/a", true},
		{"http://127.0.0.1:80/", "http://127.0.0.1/", true},
		{"https://api.example.com:8443/", "https://api.example.com/", false},
		{"http://127.0.0.1:1/", "http://127.0.0.1:2/", false},
		{"http://api.example.com/", "https://api.example.com/", false},
		{"https://api.example.com.evil/", "https://api.example.com/", false},
	} {
		a, _ := url.Parse(tc.a)
		b, _ := url.Parse(tc.b)
		if got := sameOrigin(a, b); got != tc.want {
			t.Errorf("sameOrigin(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
