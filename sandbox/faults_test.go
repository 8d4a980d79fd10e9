package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
)

// freshClient has its own connections, so that Go's transport does not
// quietly retry a request whose reused connection was dropped.
func freshClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

func TestStatusFaults(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 1})
	srv.InjectFaults(Fault{Kind: FaultStatus, Status: 503, Times: 2})
	for i := range 2 {
		res := c.get("/v1/apps")
		e := res.doc(t).Errors
		if res.status != 503 || len(e) != 1 || e[0].Status != "503" || res.header.Get("X-Rate-Limit") == "" {
			t.Fatalf("request %d: %d %s", i, res.status, res.body)
		}
	}
	if res := c.get("/v1/apps"); res.status != 200 {
		t.Fatalf("after the burst: %d", res.status)
	}

	srv.InjectFaults(Fault{Kind: FaultStatus, Status: 429, RetryAfter: "7"}, Fault{Kind: FaultStatus, Status: 429})
	res := c.get("/v1/apps")
	if res.status != 429 || res.header.Get("Retry-After") != "7" || res.doc(t).Errors[0].Code != "RATE_LIMIT_EXCEEDED" {
		t.Errorf("429 with Retry-After: %d %q %s", res.status, res.header.Get("Retry-After"), res.body)
	}
	if res := c.get("/v1/apps"); res.status != 429 || res.header.Get("Retry-After") != "" {
		t.Errorf("429 without Retry-After: %d %q", res.status, res.header.Get("Retry-After"))
	}

	srv.InjectFaults(Fault{Kind: FaultHTML})
	res = c.get("/v1/apps")
	if res.status != 502 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") || !strings.Contains(string(res.body), "502 Bad Gateway") {
		t.Errorf("HTML fault: %d %q %.100s", res.status, res.header.Get("Content-Type"), res.body)
	}
	var names []string
	for _, r := range srv.Requests() {
		names = append(names, r.Fault)
	}
	if got := strings.Join(names, ","); got != "status,status,,status,status,html" {
		t.Errorf("logged faults %q", got)
	}
	if st := srv.Stats(); st.Faults != 5 || st.RateLimited != 0 {
		t.Errorf("stats %+v", st)
	}

	captured := []byte(`{"errors":[{"status":"409","code":"STATE_ERROR.ENTITY_STATE_INVALID","title":"t","detail":"d"}]}`)
	srv.InjectFaults(Fault{Kind: FaultStatus, Status: 409}, Fault{Kind: FaultStatus, Status: 406},
		Fault{Kind: FaultStatus, Status: 409, Body: captured})
	if e := c.get("/v1/apps").doc(t).Errors; len(e) != 1 || e[0].Status != "409" || e[0].Code != "CONFLICT_ERROR" {
		t.Errorf("409: %+v", e)
	}
	if res := c.get("/v1/apps"); res.status != 406 || res.header.Get("Content-Type") != "text/plain" || json.Valid(res.body) {
		t.Errorf("406: %d %q %s", res.status, res.header.Get("Content-Type"), res.body)
	}
	if res := c.get("/v1/apps"); res.status != 409 || string(res.body) != string(captured) {
		t.Errorf("409 with a captured body: %d %s", res.status, res.body)
	}
}

func TestConnectionFaults(t *testing.T) {
	srv := StartTest(t, Config{Seed: 1})
	key := srv.NewKey(core.KindTeam, RoleAdmin)
	tok := token(t, key, time.Now(), nil)
	request := func(ctx context.Context) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+"/v1/devices?limit=50", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		// The plain body, whose Content-Length the checks compare with
		// (net/http would ask for gzip and hide the length).
		req.Header.Set("Accept-Encoding", "identity")
		return freshClient().Do(req)
	}

	srv.InjectFaults(Fault{Kind: FaultDrop})
	if res, err := request(context.Background()); err == nil {
		res.Body.Close()
		t.Errorf("dropped connection answered %d", res.StatusCode)
	}

	srv.InjectFaults(Fault{Kind: FaultTruncate})
	res, err := request(context.Background())
	if err != nil {
		t.Fatalf("truncated response: no headers: %v", err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) || res.ContentLength <= int64(len(body)) {
		t.Errorf("truncated body: read %d of %d bytes, err %v", len(body), res.ContentLength, err)
	}

	srv.InjectFaults(Fault{Kind: FaultBadJSON})
	res, err = request(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	body, err = io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 || json.Valid(body) || int64(len(body)) != res.ContentLength {
		t.Errorf("bad JSON: %d, %d bytes of %d, valid %v, err %v", res.StatusCode, len(body), res.ContentLength, json.Valid(body), err)
	}

	// A short stall delays the body and then completes it.
	srv.InjectFaults(Fault{Kind: FaultStall, Stall: 20 * time.Millisecond})
	res, err = request(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	body, err = io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || !json.Valid(body) {
		t.Errorf("stalled body did not complete: %v", err)
	}

	// A long stall ends when the client gives up.
	srv.InjectFaults(Fault{Kind: FaultStall, Stall: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	res, err = request(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.ReadAll(res.Body); err == nil {
		t.Error("reading a stalled body after cancelling succeeded")
	}
	res.Body.Close()
	waitFor(t, "the stalled handler to end", func() bool { return srv.Stats().InFlight == 0 })

	want := []string{"drop", "truncate", "bad-json", "stall", "stall"}
	for i, r := range srv.Requests() {
		if r.Fault != want[i] {
			t.Errorf("request %d: fault %q, want %q", i, r.Fault, want[i])
		}
	}
	if srv.Requests()[0].Status != 0 {
		t.Errorf("a dropped request is logged with status %d", srv.Requests()[0].Status)
	}
}

// waitFor polls cond for up to ten seconds: it waits for the server to catch
// up, it does not measure time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFaultMatchers(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 1})
	cert := srv.CertificateIDs()[0]
	srv.InjectFaults(Fault{Kind: FaultStatus, Status: 500, Times: 2, Match: MatchContent()})
	if res := c.get("/v1/certificates?fields[certificates]=name"); res.status != 200 {
		t.Errorf("a list without content was hit: %d", res.status)
	}
	if res := c.get("/v1/certificates/" + cert + "?fields[certificates]=certificateContent"); res.status != 500 {
		t.Errorf("a certificate download was not hit: %d", res.status)
	}
	if n := srv.PendingFaults(); n != 1 {
		t.Errorf("PendingFaults = %d, want 1", n)
	}
	srv.ClearFaults()
	if res := c.get("/v1/certificates/" + cert + "?fields[certificates]=certificateContent"); res.status != 200 {
		t.Errorf("after ClearFaults: %d", res.status)
	}

	srv.InjectFaults(Fault{Kind: FaultStatus, Status: 500, Match: MatchPath("/v1/profiles/*")})
	if res := c.get("/v1/profiles?limit=1"); res.status != 200 {
		t.Errorf("the collection matched /v1/profiles/*: %d", res.status)
	}
	if res := c.get("/v1/profiles/" + srv.ProfileIDs()[0]); res.status != 500 {
		t.Errorf("an instance did not match /v1/profiles/*: %d", res.status)
	}
}

func TestLatencyAndMaxInFlight(t *testing.T) {
	srv := StartTest(t, Config{Seed: 1})
	key := srv.NewKey(core.KindTeam, RoleAdmin)
	tok := token(t, key, time.Now(), nil)
	// Two stalled responses are in flight at once for certain once both
	// clients have their headers.
	srv.InjectFaults(Fault{Kind: FaultStall, Stall: time.Hour, Times: 2})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var bodies []io.ReadCloser
	for range 2 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+"/v1/apps", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := freshClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, res.Body)
	}
	if st := srv.Stats(); st.MaxInFlight != 2 || st.MaxInFlightByKey[key.KeyID] != 2 {
		t.Errorf("MaxInFlight %d (%v), want 2", st.MaxInFlight, st.MaxInFlightByKey)
	}
	cancel()
	for _, b := range bodies {
		b.Close()
	}
	waitFor(t, "both handlers to end", func() bool { return srv.Stats().InFlight == 0 })

	// Latency holds a request back; a client that gives up is not kept waiting.
	srv.SetLatency(time.Hour)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	req, _ := http.NewRequestWithContext(ctx2, http.MethodGet, srv.URL()+"/v1/apps", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if _, err := srv.HTTPClient().Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a request under an hour's latency: %v", err)
	}
	waitFor(t, "the delayed handler to end", func() bool { return srv.Stats().InFlight == 0 })
	if log := srv.Requests(); len(log) != 3 || log[2].Status != 0 || !strings.Contains(log[2].Reason, "gave up") {
		t.Errorf("the abandoned request is logged as %+v", log[len(log)-1])
	}
}

// With LatencyIncludesWork the sandbox does its work at once and answers when
// Latency has passed since the request arrived: the request is logged as
// handled (routed, authenticated) while the client still waits, and a client
// that gives up is not kept waiting and is logged as having given up.
func TestLatencyIncludesWork(t *testing.T) {
	srv := StartTest(t, Config{Seed: 1, LatencyIncludesWork: true})
	key := srv.NewKey(core.KindTeam, RoleAdmin)
	tok := token(t, key, time.Now(), nil)
	get := func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+"/v1/apps", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := srv.HTTPClient().Do(req)
		if err == nil {
			res.Body.Close()
		}
		return err
	}

	srv.SetLatency(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- get(ctx) }()
	// The work is done before the wait: the sandbox has checked the key
	// (it counts the key's request in flight) while the answer is held back.
	waitFor(t, "the key's request to be handled", func() bool { return srv.Stats().MaxInFlightByKey[key.KeyID] == 1 })
	select {
	case err := <-done:
		t.Fatalf("answered before the latency had passed: %v", err)
	default:
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("a request under an hour's latency: %v", err)
	}
	waitFor(t, "the delayed handler to end", func() bool { return srv.Stats().InFlight == 0 })
	if log := srv.Requests(); len(log) != 1 || log[0].Status != 0 || log[0].KeyID != key.KeyID || !strings.Contains(log[0].Reason, "gave up") {
		t.Errorf("the abandoned request is logged as %+v", log)
	}

	// A latency shorter than the work adds nothing: the answer comes.
	srv.SetLatency(time.Nanosecond)
	if err := get(context.Background()); err != nil {
		t.Fatal(err)
	}
	if log := srv.Requests(); len(log) != 2 || log[1].Status != http.StatusOK {
		t.Errorf("the request after the latency is logged as %+v", log[len(log)-1])
	}
}

// HoldUntilInFlight holds requests until a key has n in flight, then lets
// them all go; a request that never gets company is let go after the
// timeout, which is only a safety net.
func TestHoldUntilInFlight(t *testing.T) {
	srv := StartTest(t, Config{Seed: 1})
	key := srv.NewKey(core.KindTeam, RoleAdmin)
	tok := token(t, key, time.Now(), nil)
	get := func() error {
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/v1/apps", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := freshClient().Do(req)
		if err == nil {
			res.Body.Close()
		}
		return err
	}
	srv.HoldUntilInFlight(2, time.Minute)
	first := make(chan error, 1)
	go func() { first <- get() }()
	waitFor(t, "the first request to be held", func() bool { return srv.Stats().InFlight == 1 })
	select {
	case err := <-first:
		t.Fatalf("the first request was answered alone: %v", err)
	default:
	}
	if err := get(); err != nil { // the second lets both go
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if st := srv.Stats(); st.MaxInFlightByKey[key.KeyID] != 2 || st.Requests != 2 {
		t.Errorf("%d requests, %d in flight at most; want 2 and 2", st.Requests, st.MaxInFlightByKey[key.KeyID])
	}
	// Released for good: the next request goes through alone.
	if err := get(); err != nil {
		t.Fatal(err)
	}
	// A hold that is never reached lets the request go after the timeout.
	srv.HoldUntilInFlight(2, time.Millisecond)
	if err := get(); err != nil {
		t.Fatal(err)
	}
}

// A request is in flight from its arrival: during the latency added before
// the work, a key's request already counts.
func TestInFlightFromArrival(t *testing.T) {
	srv := StartTest(t, Config{Seed: 1, Latency: time.Hour})
	key := srv.NewKey(core.KindTeam, RoleAdmin)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+"/v1/apps", nil)
	req.Header.Set("Authorization", "Bearer "+token(t, key, time.Now(), nil))
	done := make(chan error, 1)
	go func() {
		res, err := freshClient().Do(req)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	waitFor(t, "the key's request to count in flight during its latency", func() bool { return srv.Stats().MaxInFlightByKey[key.KeyID] == 1 })
	cancel()
	<-done
	waitFor(t, "the delayed handler to end", func() bool { return srv.Stats().InFlight == 0 })
}
