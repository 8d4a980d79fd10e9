package core

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func certResource(id, name, serial string) obj {
	return obj{"type": "certificates", "id": id, "attributes": obj{
		"name": name, "displayName": "Jane", "certificateType": "DISTRIBUTION", "platform": nil,
		"serialNumber": serial, "expirationDate": "2026-02-01T20:50:34.000+0000", "activated": true,
	}}
}

func TestListCertificatesFollowsEveryPage(t *testing.T) {
	creds := testCreds(t, KindTeam)
	var f *fakeAPI
	var mu sync.Mutex
	var agents, accepts []string
	f = newFakeAPI(t, creds, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents = append(agents, r.Header.Get("User-Agent"))
		accepts = append(accepts, r.Header.Get("Accept"))
		mu.Unlock()
		if r.URL.Path != "/v1/certificates" {
			t.Errorf("path %s", r.URL.Path)
		}
		switch r.URL.Query().Get("cursor") {
		case "":
			// A total that lies (as fastlane's captures do) must not stop the list.
			writeJSON(w, 200, obj{"data": []obj{certResource("c1", "Apple Distribution: Jane", "01"), certResource("c2", "b", "02")},
				"links": obj{"self": f.abs(r.URL.String()), "next": f.abs("/v1/certificates?cursor=p2&limit=200")},
				"meta":  obj{"paging": obj{"total": 1, "limit": 200}}})
		case "p2":
			// A relative next link (the spec says uri-reference) resolves on the same host.
			writeJSON(w, 200, obj{"data": []obj{certResource("c3", "c", "03")},
				"links": obj{"self": "x", "next": "?cursor=p3"}})
		case "p3":
			writeJSON(w, 200, obj{"data": []obj{certResource("c4", "d", "04"), certResource("c5", "e", "05")}, "links": obj{"self": "x"}})
		default:
			t.Errorf("unexpected cursor %q", r.URL.Query().Get("cursor"))
		}
	})
	c := f.client(creds, nil)
	var pages []int
	certs, resp, err := c.Certificates.List(context.Background(), &CertificateListOptions{
		Types: []string{"DISTRIBUTION", "IOS_DISTRIBUTION"}, DisplayName: "Jane",
		ListOptions: ListOptions{OnPage: func(n, _ int) { pages = append(pages, n) }},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 5 || certs[0].ID != "c1" || certs[4].ID != "c5" {
		t.Fatalf("got %d certificates: %+v", len(certs), certs)
	}
	if resp.Pages != 3 || resp.Requests != 3 || resp.BytesReceived == 0 || !resp.RateLimit.Known || resp.RateLimit.Remaining != 3500 {
		t.Errorf("response = %+v", resp)
	}
	if fmt.Sprint(pages) != "[2 3 5]" {
		t.Errorf("OnPage saw %v, want [2 3 5]", pages)
	}
	if rl := c.LastRateLimit(); rl.Limit != 3600 || !rl.Known {
		t.Errorf("LastRateLimit = %+v", rl)
	}
	got := certs[0]
	if got.Name != "Apple Distribution: Jane" || got.CertificateType != "DISTRIBUTION" || got.Platform != "" ||
		got.Activated == nil || !*got.Activated || got.ExpirationDate.Year() != 2026 || got.ExpirationDate.Raw != "2026-02-01T20:50:34.000+0000" {
		t.Errorf("certificate = %+v", got)
	}

	first := f.requestURLs()[0].Query()
	if first.Get("limit") != "200" || first.Get("filter[certificateType]") != "DISTRIBUTION,IOS_DISTRIBUTION" ||
		first.Get("filter[displayName]") != "Jane" || first.Has("filter[serialNumber]") {
		t.Errorf("first request query = %v", first)
	}
	if fields := first.Get("fields[certificates]"); fields == "" || strings.Contains(fields, "certificateContent") {
		t.Errorf("fields[certificates] = %q: a list must not ask for the content", fields)
	}
	for i, ua := range agents {
		if !strings.HasPrefix(ua, "ASC Keys/"+Version+" ") || accepts[i] != "application/json" {
			t.Errorf("request %d: User-Agent %q, Accept %q", i, ua, accepts[i])
		}
	}
}

func TestNextLinkElsewhereIsRefused(t *testing.T) {
	creds := testCreds(t, KindTeam)
	for name, next := range map[string]string{
		"other host":   "https://collector.example/v1/devices?cursor=2",
		"other scheme": "", // filled below: https on the same host and port
		"other port":   "",
	} {
		t.Run(name, func(t *testing.T) {
			var f *fakeAPI
			f = newFakeAPI(t, creds, func(w http.ResponseWriter, r *http.Request) {
				n := next
				switch name {
				case "other scheme":
					n = strings.Replace(f.abs("/v1/devices?cursor=2"), "http://", "https://", 1)
				case "other port":
					host, _, _ := net.SplitHostPort(f.srv.Listener.Addr().String())
					n = "http://" + host + ":1" + fakePrefix + "/v1/devices?cursor=2"
				}
				writeJSON(w, 200, obj{"data": []obj{}, "links": obj{"self": "x", "next": n}})
			})
			_, resp, err := f.client(creds, nil).Devices.List(context.Background(), nil)
			if err == nil || !strings.Contains(err.Error(), "refusing to send the key's token there") {
				t.Fatalf("err = %v", err)
			}
			if f.requestCount() != 1 || resp.Requests != 1 {
				t.Errorf("%d requests, want 1", f.requestCount())
			}
		})
	}
}

func TestNextLinkLoopStops(t *testing.T) {
	creds := testCreds(t, KindTeam)
	var f *fakeAPI
	f = newFakeAPI(t, creds, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, obj{"data": []obj{}, "links": obj{"self": "x", "next": f.abs("/v1/devices?cursor=same")}})
	})
	_, _, err := f.client(creds, nil).Devices.List(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "keeps sending next pages") || f.requestCount() != 2 {
		t.Fatalf("err = %v after %d requests", err, f.requestCount())
	}
}

func TestListProfilesWithBundleIDAndCounts(t *testing.T) {
	creds := testCreds(t, KindTeam)
	f := newFakeAPI(t, creds, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, obj{
			"data": []obj{{
				"type": "profiles", "id": "p1",
				"attributes": obj{"name": "match AppStore com.example", "platform": "IOS", "profileType": "IOS_APP_STORE",
					"profileState": "ACTIVE", "uuid": "7ecd2cf1-3eb1-48b5-94e3-eb60eeaf5ad6",
					"createdDate": "2019-06-10T03:15:58.000+0000", "expirationDate": "2020-05-01T15:18:38.000+0000"},
				"relationships": obj{
					"bundleId":     obj{"data": obj{"type": "bundleIds", "id": "b1"}},
					"certificates": obj{"data": []obj{{"type": "certificates", "id": "c1"}, {"type": "certificates", "id": "c2"}}, "meta": obj{"paging": obj{"total": 60, "limit": 50}}},
					"devices":      obj{"data": []obj{{"type": "devices", "id": "d1"}, {"type": "devices", "id": "d2"}, {"type": "devices", "id": "d3"}}},
				},
			}, {
				"type": "profiles", "id": "p2", "attributes": obj{"name": "no relationships", "profileType": "MAC_APP_INHOUSE", "profileState": "EXPIRED"},
			}},
			"included": []obj{
				{"type": "bundleIds", "id": "b1", "attributes": obj{"identifier": "com.example.app"}},
				{"type": "certificates", "id": "c1", "attributes": obj{"serialNumber": "01"}},
				{"type": "devices", "id": "d1", "attributes": obj{"status": "ENABLED"}},
			},
			"links": obj{"self": "x"},
		})
	})
	profiles, _, err := f.client(creds, nil).Profiles.List(context.Background(), &ProfileListOptions{
		Types: []string{"IOS_APP_STORE"}, States: []string{"ACTIVE"}, Name: "match AppStore com.example",
	})
	if err != nil {
		t.Fatal(err)
	}
	p := profiles[0]
	if p.BundleIDID != "b1" || p.BundleIdentifier != "com.example.app" || p.CertificateCount != 60 || p.DeviceCount != 3 ||
		p.UUID != "7ecd2cf1-3eb1-48b5-94e3-eb60eeaf5ad6" || p.ExpirationDate.Year() != 2020 {
		t.Errorf("profile = %+v", p)
	}
	if q := profiles[1]; q.ProfileType != "MAC_APP_INHOUSE" || q.ProfileState != "EXPIRED" || q.BundleIdentifier != "" || q.CertificateCount != 0 {
		t.Errorf("odd profile = %+v", q)
	}
	q := f.requestURLs()[0].Query()
	for k, want := range map[string]string{
		"include": "bundleId,certificates,devices", "fields[bundleIds]": "identifier",
		"limit[certificates]": "50", "limit[devices]": "50", "limit": "200",
		"filter[profileType]": "IOS_APP_STORE", "filter[profileState]": "ACTIVE", "filter[name]": "match AppStore com.example",
	} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	if strings.Contains(q.Get("fields[profiles]"), "profileContent") || !strings.Contains(q.Get("fields[profiles]"), "certificates") {
		t.Errorf("fields[profiles] = %q", q.Get("fields[profiles]"))
	}
}

func TestListBundleIDsAndDevices(t *testing.T) {
	creds := testCreds(t, KindEnterprise)
	f := newFakeAPI(t, creds, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/bundleIds":
			writeJSON(w, 200, obj{"data": []obj{{"type": "bundleIds", "id": "b1", "attributes": obj{
				"name": "App", "identifier": "com.example.app", "platform": "SERVICES", "seedId": "A1B2C3D4E5"}}}, "links": obj{"self": "x"}})
		case "/v1/devices":
			writeJSON(w, 200, obj{"data": []obj{{"type": "devices", "id": "d1", "attributes": obj{
				"name": "Jane's iPhone", "udid": "0000", "deviceClass": "IPHONE", "model": "iPhone 15", "platform": "IOS",
				"status": "DISABLED", "addedDate": "2018-10-10T01:43:27.000+0000"}}}, "links": obj{"self": "x"}})
		}
	})
	c := f.client(creds, nil)
	bids, _, err := c.BundleIDs.List(context.Background(), &BundleIDListOptions{Platforms: []string{"IOS", "MAC_OS"}, Identifier: "com.example.app"})
	if err != nil || len(bids) != 1 || bids[0] != (BundleID{ID: "b1", Name: "App", Identifier: "com.example.app", Platform: "SERVICES", SeedID: "A1B2C3D4E5"}) {
		t.Fatalf("bundle IDs = %+v, %v", bids, err)
	}
	devs, _, err := c.Devices.List(context.Background(), &DeviceListOptions{Platforms: []string{"IOS"}, Statuses: []string{"ENABLED", "DISABLED"}})
	if err != nil || len(devs) != 1 || devs[0].UDID != "0000" || devs[0].AddedDate.Year() != 2018 || devs[0].Status != "DISABLED" {
		t.Fatalf("devices = %+v, %v", devs, err)
	}
	urls := f.requestURLs()
	if q := urls[0].Query(); q.Get("filter[platform]") != "IOS,MAC_OS" || q.Get("filter[identifier]") != "com.example.app" {
		t.Errorf("bundle ID query = %v", q)
	}
	if q := urls[1].Query(); q.Get("filter[status]") != "ENABLED,DISABLED" || q.Get("fields[devices]") == "" {
		t.Errorf("device query = %v", q)
	}
}

func TestIndividualKeyCannotProvision(t *testing.T) {
	creds := testCreds(t, KindIndividual)
	f := newFakeAPI(t, creds, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a request was sent: %s", r.URL)
	})
	c := f.client(creds, nil)
	ctx := context.Background()
	dir := t.TempDir()
	calls := map[string]func() error{
		"certificates": func() error { _, _, err := c.Certificates.List(ctx, nil); return err },
		"profiles":     func() error { _, _, err := c.Profiles.List(ctx, nil); return err },
		"bundle IDs":   func() error { _, _, err := c.BundleIDs.List(ctx, nil); return err },
		"devices":      func() error { _, _, err := c.Devices.List(ctx, nil); return err },
		"certificate download": func() error {
			_, err := c.Certificates.Download(ctx, Certificate{ID: "c1"}, dir, DownloadOptions{})
			return err
		},
		"profile download": func() error {
			_, err := c.Profiles.Download(ctx, Profile{ID: "p1"}, dir, DownloadOptions{})
			return err
		},
		"download many": func() error {
			_, err := c.DownloadMany(ctx, []DownloadItem{{Profile: &Profile{ID: "p1"}}}, dir, DownloadOptions{}, nil)
			return err
		},
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, ErrIndividualKeyProvisioning) || !IsForbidden(err) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	msg := ErrIndividualKeyProvisioning.Error()
	for _, words := range []string{"individual keys", "Team Keys", "Admin or Developer"} {
		if !strings.Contains(msg, words) {
			t.Errorf("message %q does not say %q", msg, words)
		}
	}
	if f.requestCount() != 0 {
		t.Errorf("%d requests sent", f.requestCount())
	}
}

func TestVerify(t *testing.T) {
	for _, kind := range []KeyKind{KindTeam, KindIndividual} {
		creds := testCreds(t, kind)
		f := newFakeAPI(t, creds, func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			switch {
			case r.URL.Path == "/v1/certificates" && q.Get("limit") == "1" && q.Get("fields[certificates]") == "serialNumber":
				writeJSON(w, 200, obj{"data": []obj{{"type": "certificates", "id": "c1"}}, "links": obj{"self": "x"}, "meta": obj{"paging": obj{"total": 42, "limit": 1}}})
			case r.URL.Path == "/v1/apps" && q.Get("limit") == "1" && q.Get("fields[apps]") == "name":
				writeJSON(w, 200, obj{"data": []obj{{"type": "apps", "id": "a1"}}, "links": obj{"self": "x"}, "meta": obj{"paging": obj{"total": 7, "limit": 1}}})
			default:
				t.Errorf("unexpected request %s", r.URL)
				writeJSON(w, 404, apiErrorBody(404, "NOT_FOUND", "no", ""))
			}
		})
		res, resp, err := f.client(creds, nil).Verify(context.Background())
		want := VerifyResult{Certificates: 42}
		if kind == KindIndividual {
			want = VerifyResult{Apps: 7}
		}
		if err != nil || res != want || resp.Requests != 1 {
			t.Errorf("%s: Verify = %+v, %v, want %+v", kind, res, err, want)
		}
	}
}

// script answers the n-th request (from 0) with steps[n], and the last step
// for any after.
func script(steps ...http.HandlerFunc) http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1) - 1)
		steps[min(i, len(steps)-1)](w, r)
	}
}

func okDevices(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, 200, obj{"data": []obj{{"type": "devices", "id": "d1", "attributes": obj{"name": "ok"}}}, "links": obj{"self": "x"}})
}

func status(code int, errCode string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		writeJSON(w, code, apiErrorBody(code, errCode, "Something happened", "Details from Apple."))
	}
}

func TestRetries(t *testing.T) {
	truncated := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data":[{"type":"devices","id":"d1","attr`)
	}
	for _, tc := range []struct {
		name      string
		steps     []http.HandlerFunc
		requests  int
		waits     []time.Duration // exact waits, when Retry-After sets them
		nWaits    int
		errCheck  func(error) bool
		errWords  string
		retryWait time.Duration
	}{
		{name: "5xx burst then success", steps: []http.HandlerFunc{status(503, "UNAVAILABLE"), status(500, "UNEXPECTED_ERROR"), okDevices}, requests: 3, nWaits: 2},
		{name: "429 with Retry-After", steps: []http.HandlerFunc{status(429, "RATE_LIMIT_EXCEEDED", "Retry-After", "3"), okDevices}, requests: 2, waits: []time.Duration{3 * time.Second}},
		{name: "503 with Retry-After date", steps: []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
			now := time.Now().UTC().Truncate(time.Second)
			status(503, "UNAVAILABLE", "Date", now.Format(http.TimeFormat), "Retry-After", now.Add(9*time.Second).Format(http.TimeFormat))(w, r)
		}, okDevices}, requests: 2, waits: []time.Duration{9 * time.Second}},
		{name: "429 without Retry-After", steps: []http.HandlerFunc{status(429, "RATE_LIMIT_EXCEEDED"), okDevices}, requests: 2, nWaits: 1},
		{name: "truncated JSON then success", steps: []http.HandlerFunc{truncated, okDevices}, requests: 2, nWaits: 1},
		{name: "5xx every time", steps: []http.HandlerFunc{status(500, "UNEXPECTED_ERROR")}, requests: 4, nWaits: 3,
			errCheck: func(err error) bool { var e *APIError; return errors.As(err, &e) && e.StatusCode == 500 }, errWords: "Apple's servers had a problem"},
		{name: "truncated every time", steps: []http.HandlerFunc{truncated}, requests: 4, nWaits: 3,
			errCheck: func(err error) bool { var e *ResponseError; return errors.As(err, &e) }, errWords: "cut short or garbled"},
		{name: "Retry-After past the time budget", steps: []http.HandlerFunc{status(429, "RATE_LIMIT_EXCEEDED", "Retry-After", "600")}, requests: 1,
			errCheck: IsRateLimited, errWords: "try again in 10m0s", retryWait: 600 * time.Second},
		{name: "404 is not retried", steps: []http.HandlerFunc{status(404, "NOT_FOUND")}, requests: 1, errCheck: IsNotFound, errWords: "no such item"},
		{name: "400 is not retried", steps: []http.HandlerFunc{status(400, "PARAMETER_ERROR.INVALID")}, requests: 1,
			errCheck: func(err error) bool { var e *APIError; return errors.As(err, &e) && e.HasCode("PARAMETER_ERROR") }, errWords: "did not accept the request"},
		{name: "403 is not retried", steps: []http.HandlerFunc{status(403, "FORBIDDEN_ERROR")}, requests: 1, errCheck: IsForbidden, errWords: "Admin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			creds := testCreds(t, KindTeam)
			f := newFakeAPI(t, creds, script(tc.steps...))
			var waits []time.Duration
			c := f.client(creds, &waits)
			devs, resp, err := c.Devices.List(context.Background(), nil)
			if tc.errCheck == nil && (err != nil || len(devs) != 1) {
				t.Fatalf("err = %v, devices %v", err, devs)
			}
			if tc.errCheck != nil {
				if err == nil || !tc.errCheck(err) || !strings.Contains(err.Error(), tc.errWords) {
					t.Fatalf("err = %v, want one saying %q", err, tc.errWords)
				}
				var e *APIError
				if tc.retryWait > 0 && (!errors.As(err, &e) || e.RetryAfter != tc.retryWait) {
					t.Errorf("RetryAfter not kept: %v", err)
				}
			}
			if f.requestCount() != tc.requests || resp.Requests != tc.requests {
				t.Errorf("%d requests (response says %d), want %d", f.requestCount(), resp.Requests, tc.requests)
			}
			if tc.waits != nil && fmt.Sprint(waits) != fmt.Sprint(tc.waits) {
				t.Errorf("waited %v, want %v (Retry-After)", waits, tc.waits)
			}
			if tc.waits == nil && len(waits) != tc.nWaits {
				t.Errorf("waited %d times (%v), want %d", len(waits), waits, tc.nWaits)
			}
			for _, w := range waits {
				if tc.waits == nil && (w < 0 || w > 4*time.Millisecond) {
					t.Errorf("backoff wait %v outside [0, MaxDelay]", w)
				}
			}
		})
	}
}

func TestBackoffGrowsWithFullJitter(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}.withDefaults()
	for attempt, limit := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 5: time.Second, 30: time.Second} {
		var maxSeen time.Duration
		for range 200 {
			d := p.backoff(attempt)
			if d < 0 || d > limit {
				t.Fatalf("attempt %d: wait %v outside [0, %v]", attempt, d, limit)
			}
			maxSeen = max(maxSeen, d)
		}
		if maxSeen < limit/2 {
			t.Errorf("attempt %d: waits never came near %v (max %v): no growth?", attempt, limit, maxSeen)
		}
	}
	if d := DefaultRetryPolicy; d.MaxAttempts != 5 || d.MaxElapsed != 60*time.Second {
		t.Errorf("defaults = %+v", d)
	}
}

func TestUnauthorizedSignsAFreshTokenOnce(t *testing.T) {
	creds := testCreds(t, KindTeam)
	t.Run("then accepted", func(t *testing.T) {
		var firstToken string
		f := newFakeAPI(t, creds, func(w http.ResponseWriter, r *http.Request) {
			tok := r.Header.Get("Authorization")
			if firstToken == "" {
				firstToken = tok
			}
			if tok == firstToken {
				status(401, "NOT_AUTHORIZED")(w, r)
				return
			}
			okDevices(w, r)
		})
		c := f.client(creds, nil)
		if _, _, err := c.Devices.List(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if c.Tokens().Signed() != 2 || f.requestCount() != 2 {
			t.Errorf("signed %d tokens in %d requests, want 2 and 2", c.Tokens().Signed(), f.requestCount())
		}
	})
	t.Run("refused twice", func(t *testing.T) {
		f := newFakeAPI(t, creds, status(401, "NOT_AUTHORIZED"))
		c := f.client(creds, nil)
		_, _, err := c.Devices.List(context.Background(), nil)
		if !IsUnauthorized(err) || f.requestCount() != 2 || c.Tokens().Signed() != 2 {
			t.Fatalf("err = %v after %d requests", err, f.requestCount())
		}
		for _, words := range []string{"rejected the key", "Key ID, Issuer ID or key kind", "revoked", "clock"} {
			if !strings.Contains(err.Error(), words) {
				t.Errorf("%q does not say %q", err, words)
			}
		}
		for tok := range f.tokens {
			if strings.Contains(err.Error(), tok) || strings.Contains(err.Error(), "eyJ") {
				t.Error("the error carries the token")
			}
		}
	})
}

// The fresh token's try after a 401 is not one of the retry policy's
// attempts: a 401, then MaxAttempts-1 answers of 500, then success ends in
// success.
func TestUnauthorizedRetryIsNotAnAttempt(t *testing.T) {
	creds := testCreds(t, KindTeam)
	var n atomic.Int32
	f := newFakeAPI(t, creds, func(w http.ResponseWriter, r *http.Request) {
		switch i := n.Add(1); {
		case i == 1:
			status(401, "NOT_AUTHORIZED")(w, r)
		case i <= 4:
			status(500, "UNEXPECTED_ERROR")(w, r)
		default:
			okDevices(w, r)
		}
	})
	var waits []time.Duration
	c := f.client(creds, &waits, WithRetry(RetryPolicy{MaxAttempts: 4}))
	if _, resp, err := c.Devices.List(context.Background(), nil); err != nil || resp.Requests != 5 {
		t.Fatalf("err = %v after %d requests; want success on the 5th (a fresh token, then 4 attempts)", err, f.requestCount())
	}
	if len(waits) != 3 {
		t.Errorf("waited %d times; want 3, between the 4 attempts", len(waits))
	}
}

func TestDroppedConnectionIsRetried(t *testing.T) {
	creds := testCreds(t, KindTeam)
	drop := func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
	}
	half := func(w http.ResponseWriter, r *http.Request) { // promises more than it sends
		conn, buf, _ := w.(http.Hijacker).Hijack()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"data\":[")
		buf.Flush()
		conn.Close()
	}
	f := newFakeAPI(t, creds, script(drop, half, okDevices))
	var waits []time.Duration
	devs, resp, err := f.client(creds, &waits).Devices.List(context.Background(), nil)
	if err != nil || len(devs) != 1 {
		t.Fatalf("err = %v", err)
	}
	if resp.Requests != 3 || len(waits) != 2 {
		t.Errorf("%d requests, %d waits; want 3 and 2", resp.Requests, len(waits))
	}

	// Without retries the words tell what to do.
	f2 := newFakeAPI(t, creds, drop)
	_, _, err = f2.client(creds, nil, WithRetry(RetryPolicy{MaxAttempts: 1})).Devices.List(context.Background(), nil)
	var ne *NetworkError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "could not reach App Store Connect") || !strings.Contains(err.Error(), "check your connection") {
		t.Errorf("err = %v", err)
	}
}

func TestUnreachableServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	creds := testCreds(t, KindTeam)
	c := NewClient(creds, WithBaseURL("http://"+addr), WithRetry(RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond}))
	_, resp, err := c.Certificates.List(context.Background(), nil)
	var ne *NetworkError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "could not reach App Store Connect ("+addr+")") {
		t.Fatalf("err = %v", err)
	}
	if resp.Requests != 2 {
		t.Errorf("%d tries, want 2", resp.Requests)
	}
}

func TestStalledBodyTimesOut(t *testing.T) {
	creds := testCreds(t, KindTeam)
	release := make(chan struct{})
	defer close(release)
	f := newFakeAPI(t, creds, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		fmt.Fprint(w, `{"data":[`)
		w.(http.Flusher).Flush()
		select { // stall until the client gives up
		case <-r.Context().Done():
		case <-release:
		}
	})
	c := f.client(creds, nil, WithRequestTimeout(50*time.Millisecond), WithRetry(RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond}))
	_, resp, err := c.Devices.List(context.Background(), nil)
	var ne *NetworkError
	if !errors.As(err, &ne) || ne.Timeout != 50*time.Millisecond || !strings.Contains(err.Error(), "did not answer within 50ms") {
		t.Fatalf("err = %v", err)
	}
	if resp.Requests != 2 {
		t.Errorf("%d tries, want 2 (a timeout is retried)", resp.Requests)
	}
}

func TestCancellation(t *testing.T) {
	creds := testCreds(t, KindTeam)
	t.Run("during a request", func(t *testing.T) {
		arrived := make(chan struct{}, 1)
		f := newFakeAPI(t, creds, func(w http.ResponseWriter, r *http.Request) {
			arrived <- struct{}{}
			<-r.Context().Done()
		})
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-arrived; cancel() }()
		assertCanceled(t, func() error { _, _, err := f.client(creds, nil).Devices.List(ctx, nil); return err })
	})
	t.Run("during a Retry-After wait", func(t *testing.T) {
		f := newFakeAPI(t, creds, status(503, "UNAVAILABLE", "Retry-After", "30"))
		ctx, cancel := context.WithCancel(context.Background())
		// Real sleeping here: the wait must end with the context, not after 30 s.
		c := NewClient(creds, WithBaseURL(f.base()))
		go func() {
			for f.requestCount() == 0 {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		assertCanceled(t, func() error { _, _, err := c.Devices.List(ctx, nil); return err })
		if f.requestCount() != 1 {
			t.Errorf("%d requests after cancelling", f.requestCount())
		}
	})
	t.Run("before starting", func(t *testing.T) {
		f := newFakeAPI(t, creds, okDevices)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, _, err := f.client(creds, nil).Devices.List(ctx, nil)
		if !errors.Is(err, context.Canceled) || f.requestCount() != 0 {
			t.Errorf("err = %v, %d requests", err, f.requestCount())
		}
	})
}

// assertCanceled runs call and checks it ends with context.Canceled. The
// deadline only guards against a hang; it is not a timing assertion.
func assertCanceled(t *testing.T, call func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not end after its context was cancelled")
	}
}

func TestAnswersThatAreNotJSON(t *testing.T) {
	creds := testCreds(t, KindTeam)
	html := "<!DOCTYPE html><html><head><title>Proxy</title></head><body><h1>Access denied by corporate proxy</h1></body></html>"
	for _, tc := range []struct {
		name     string
		h        http.HandlerFunc
		requests int
		words    []string
	}{
		{"406 plain text", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(406)
			fmt.Fprint(w, "Not Acceptable\nmore lines")
		}, 1, []string{"406", "text/plain, not JSON", `"Not Acceptable"`}},
		{"502 HTML proxy page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(502)
			fmt.Fprint(w, html)
		}, 4, []string{"Apple's servers had a problem (502)", "HTML page", "proxy"}},
		{"200 captive portal", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, html)
		}, 1, []string{"HTML page instead of App Store Connect's JSON", "captive portal"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t, creds, tc.h)
			_, _, err := f.client(creds, nil).Certificates.List(context.Background(), nil)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.words {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "<") || strings.Contains(err.Error(), "corporate proxy") {
				t.Errorf("the HTML leaked into the message: %q", err)
			}
			if f.requestCount() != tc.requests {
				t.Errorf("%d requests, want %d", f.requestCount(), tc.requests)
			}
		})
	}
}

func TestMaxInFlight(t *testing.T) {
	creds := testCreds(t, KindTeam)
	var inFlight, peak atomic.Int64
	var f *fakeAPI
	f = newFakeAPI(t, creds, func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond) // give overlapping requests a chance to meet
		links := obj{"self": "x"}
		if r.URL.Query().Get("cursor") == "" {
			links["next"] = f.abs(r.URL.Path + "?cursor=2")
		}
		writeJSON(w, 200, obj{"data": []obj{}, "links": links})
	})
	c := f.client(creds, nil, WithMaxInFlight(2))
	ctx := context.Background()
	var wg sync.WaitGroup
	for _, list := range []func() error{
		func() error { _, _, err := c.Certificates.List(ctx, nil); return err },
		func() error { _, _, err := c.Profiles.List(ctx, nil); return err },
		func() error { _, _, err := c.BundleIDs.List(ctx, nil); return err },
		func() error { _, _, err := c.Devices.List(ctx, nil); return err },
	} {
		wg.Go(func() {
			if err := list(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if peak.Load() > 2 {
		t.Errorf("%d requests in flight at once, limit 2", peak.Load())
	}
	if f.requestCount() != 8 || c.Tokens().Signed() != 1 || len(f.tokens) != 1 {
		t.Errorf("%d requests, %d tokens signed, %d seen; want 8, 1, 1", f.requestCount(), c.Tokens().Signed(), len(f.tokens))
	}
}

func TestBadBaseURL(t *testing.T) {
	c := NewClient(testCreds(t, KindTeam), WithBaseURL("ftp://example.com"))
	if _, _, err := c.Devices.List(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "not usable") {
		t.Errorf("err = %v", err)
	}
	if got := NewClient(Credentials{Kind: KindEnterprise}).baseURL.String(); got != "https://api.enterprise.developer.apple.com" {
		t.Errorf("enterprise base = %s", got)
	}
}
