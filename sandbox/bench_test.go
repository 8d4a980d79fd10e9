package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
)

// bigConfig is the size the benchmarks of the client and the GUI use.
var bigConfig = Config{Seed: 1, Profiles: 5000, Certificates: 2000, Devices: 1000, BundleIDs: 500, HourlyLimit: 1 << 30}

func BenchmarkNewBig(b *testing.B) {
	for b.Loop() {
		New(bigConfig)
	}
}

// BenchmarkListProfiles pages through 5000 profiles as a client lists them:
// 200 a page, the fields a list shows, bundle IDs included.
func BenchmarkListProfiles(b *testing.B) {
	srv := New(bigConfig)
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	key := srv.NewKey(core.KindTeam, RoleAdmin)
	tok := token(b, key, time.Now(), nil)
	hc := srv.HTTPClient()
	first := srv.URL() + "/v1/profiles?limit=200&fields[profiles]=name,profileType,profileState,uuid,expirationDate,bundleId,certificates,devices" +
		"&include=bundleId,certificates,devices&limit[certificates]=1&limit[devices]=1&fields[bundleIds]=identifier&fields[certificates]=name&fields[devices]=name"
	var bytes int64
	for b.Loop() {
		n := 0
		for next := first; next != ""; {
			req, _ := http.NewRequest(http.MethodGet, next, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			bytes += int64(len(body))
			var d struct {
				Data  []json.RawMessage `json:"data"`
				Links struct{ Next string }
			}
			if err := json.Unmarshal(body, &d); err != nil || res.StatusCode != 200 {
				b.Fatalf("%d: %v", res.StatusCode, err)
			}
			n += len(d.Data)
			next = d.Links.Next
		}
		if n != 5000 {
			b.Fatalf("listed %d profiles", n)
		}
	}
	b.ReportMetric(float64(bytes)/float64(b.N), "bytes/listing")
}

// BenchmarkProfileContent measures making a signed profile on first download.
func BenchmarkProfileContent(b *testing.B) {
	srv := New(bigConfig)
	ids := srv.ProfileIDs()
	i := 0
	for b.Loop() {
		if _, err := srv.Profile(ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
		i++
		if i%len(ids) == 0 {
			b.StopTimer()
			srv = New(bigConfig)
			b.StartTimer()
		}
	}
}
