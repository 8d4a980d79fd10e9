package sandbox

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
)

// The sandbox compresses an answer as Apple does: when the request's
// Accept-Encoding names gzip, and not otherwise.
func TestGzipWhenAsked(t *testing.T) {
	srv := StartTest(t, Config{Seed: 5, Profiles: 60})
	key := srv.NewKey(core.KindTeam, RoleAdmin)
	tok := token(t, key, time.Now(), nil)
	// A transport that leaves Accept-Encoding and the body as they are.
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func(acceptEncoding string) (encoding string, wire, plain []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL()+"/v1/profiles?limit=200", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		res := send(t, hc, req)
		if res.status != http.StatusOK {
			t.Fatalf("Accept-Encoding %q: status %d: %s", acceptEncoding, res.status, res.body)
		}
		encoding, plain = res.header.Get("Content-Encoding"), res.body
		if encoding == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(res.body))
			if err != nil {
				t.Fatalf("Accept-Encoding %q: the gzip answer is unreadable: %v", acceptEncoding, err)
			}
			if plain, err = io.ReadAll(zr); err != nil {
				t.Fatalf("Accept-Encoding %q: the gzip answer is unreadable: %v", acceptEncoding, err)
			}
		}
		return encoding, res.body, plain
	}
	_, _, want := get("")
	for _, tc := range []struct {
		accept string
		gzip   bool
	}{
		{"", false},
		{"gzip", true},
		{"br, gzip;q=0.8", true},
		{"*", true},
		{"gzip;q=0", false},
		{"identity", false},
	} {
		enc, wire, plain := get(tc.accept)
		if got := enc == "gzip"; got != tc.gzip {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want gzip %v", tc.accept, enc, tc.gzip)
		}
		if !bytes.Equal(plain, want) {
			t.Errorf("Accept-Encoding %q: the document differs from the uncompressed one", tc.accept)
		}
		if tc.gzip && len(wire)*3 > len(plain) {
			t.Errorf("Accept-Encoding %q: %d bytes sent for %d of JSON", tc.accept, len(wire), len(plain))
		}
	}
}

// A bandwidth makes an answer take its bytes' time on the link.
func TestBandwidthPacesAnswers(t *testing.T) {
	const bps = 8 << 20 // 1 MiB a second
	srv := StartTest(t, Config{Seed: 5, Profiles: 200, Bandwidth: bps})
	c := newClient(t, srv, srv.NewKey(core.KindTeam, RoleAdmin))
	// Without Accept-Encoding: the plain document, some hundreds of KB.
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	c.hc = hc
	start := time.Now()
	res := c.get("/v1/profiles?limit=200&include=devices")
	took := time.Since(start)
	floor := time.Duration(float64(len(res.body)) * 8 / bps * float64(time.Second))
	if took < floor {
		t.Errorf("%d bytes came in %v over a link that needs %v for them", len(res.body), took, floor)
	}
}
