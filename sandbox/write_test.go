package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox/apispec"
)

// TestSpecAcceptsEveryWrite makes every write the sandbox serves, and the
// refusals Apple documents a status for, with the spec checking each request
// body and each answer.
func TestSpecAcceptsEveryWrite(t *testing.T) {
	srv := StartTest(t, Config{Seed: 70, Certificates: -1, Spec: apispec.New(specPath(t))})
	if v := srv.SpecViolations(); len(v) != 0 {
		t.Fatalf("spec did not load: %v", v)
	}
	c := newClient(t, srv, srv.NewKey(core.KindTeam, RoleAdmin))
	dev := newClient(t, srv, srv.NewKey(core.KindTeam, RoleDeveloper))
	created := func(res response) string {
		t.Helper()
		if res.status != http.StatusCreated {
			t.Fatalf("%d %s", res.status, res.body)
		}
		return res.doc(t).one(t).ID
	}
	bundle := created(c.write(http.MethodPost, "/v1/bundleIds", bundleRequest("com.example.spec", "Spec", "IOS")))
	devCert := created(c.write(http.MethodPost, "/v1/certificates", certRequest("DEVELOPMENT", goodCSR(t))))
	distCert := created(c.write(http.MethodPost, "/v1/certificates", certRequest("DISTRIBUTION", b64(csrDER(t, testRSAKey(t), 0)))))
	device := created(c.write(http.MethodPost, "/v1/devices", deviceRequest("Spec iPhone", "00008030-0000000000000001", "IOS")))
	devProfile := created(c.write(http.MethodPost, "/v1/profiles", profileRequest("Spec Dev", "IOS_APP_DEVELOPMENT", bundle, []string{devCert}, []string{device})))
	_ = created(c.write(http.MethodPost, "/v1/profiles", profileRequest("Spec Store", "IOS_APP_STORE", bundle, []string{distCert}, nil)))
	for _, res := range []response{
		c.write(http.MethodPatch, "/v1/devices/"+device, obj{"data": obj{"type": "devices", "id": device, "attributes": obj{"name": "Renamed", "status": "DISABLED"}}}),
		c.write(http.MethodPatch, "/v1/devices/"+device, obj{"data": obj{"type": "devices", "id": device, "attributes": obj{"status": "ENABLED"}}}),
	} {
		if res.status != http.StatusOK {
			t.Errorf("PATCH: %d %s", res.status, res.body)
		}
	}
	refusals := []response{
		c.write(http.MethodPost, "/v1/certificates", certRequest("DISTRIBUTION", ecCSR(t))),
		c.write(http.MethodPost, "/v1/certificates", certRequest("DEVELOPER_ID_APPLICATION", goodCSR(t))),
		dev.write(http.MethodPost, "/v1/certificates", certRequest("IOS_DISTRIBUTION", goodCSR(t))),
		c.write(http.MethodPost, "/v1/profiles", profileRequest("Spec Dev", "IOS_APP_DEVELOPMENT", bundle, []string{devCert}, []string{device})),
		c.write(http.MethodPost, "/v1/profiles", profileRequest("Other", "IOS_APP_STORE", bundle, []string{distCert}, []string{device})),
		c.write(http.MethodPost, "/v1/profiles", profileRequest("Other", "IOS_APP_STORE", "NOSUCHAPPID", []string{distCert}, nil)),
		c.write(http.MethodPost, "/v1/devices", deviceRequest("Again", "00008030-0000000000000001", "IOS")),
		c.write(http.MethodPost, "/v1/bundleIds", bundleRequest("com.example.spec", "Again", "IOS")),
		c.write(http.MethodPatch, "/v1/devices/NOSUCHDEVICE", obj{"data": obj{"type": "devices", "id": "NOSUCHDEVICE"}}),
	}
	for i, res := range refusals {
		if res.status < 400 || res.status >= 500 {
			t.Errorf("refusal %d: %d %s", i, res.status, res.body)
		}
	}
	for _, path := range []string{"/v1/profiles/" + devProfile, "/v1/certificates/" + devCert, "/v1/bundleIds/" + bundle} {
		if res := c.do(http.MethodDelete, path); res.status != http.StatusNoContent {
			t.Errorf("DELETE %s: %d %s", path, res.status, res.body)
		}
	}
	if v := srv.SpecViolations(); len(v) != 0 {
		t.Errorf("%d spec violations:\n%s", len(v), strings.Join(v, "\n"))
	}

	// The check reads the bodies: a request without a required member is
	// flagged, although the sandbox answers it as Apple would.
	bad := c.write(http.MethodPost, "/v1/devices", obj{"data": obj{"type": "devices", "attributes": obj{"name": "No UDID", "platform": "IOS"}}})
	if bad.status != http.StatusConflict {
		t.Errorf("a device without a UDID: %d", bad.status)
	}
	if v := srv.SpecViolations(); len(v) == 0 || !strings.Contains(strings.Join(v, "\n"), "udid") {
		t.Errorf("the spec check did not flag the missing udid: %v", v)
	}
}

// TestWritesAreCountedLimitedAndFaulted: writes spend the hourly budget,
// appear in Stats and Requests under their route, and take faults.
func TestWritesAreCountedLimitedAndFaulted(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 71, Certificates: -1})
	if res := c.write(http.MethodPost, "/v1/certificates", certRequest("DEVELOPMENT", goodCSR(t))); res.status != http.StatusCreated ||
		res.header.Get("X-Rate-Limit") != "user-hour-lim:3600;user-hour-rem:3599;" {
		t.Errorf("POST: %d, X-Rate-Limit %q", res.status, res.header.Get("X-Rate-Limit"))
	}
	srv.InjectFaults(Fault{Kind: FaultStatus, Status: 503, Match: MatchPath("/v1/devices")})
	if res := c.write(http.MethodPost, "/v1/devices", deviceRequest("Faulted", "00008030-0000000000000002", "IOS")); res.status != 503 {
		t.Errorf("a faulted POST: %d", res.status)
	}
	if n := len(srv.Devices()); n != defaultDevices {
		t.Errorf("a faulted POST registered a device: %d", n)
	}
	if res := c.write(http.MethodPost, "/v1/devices", deviceRequest("After", "00008030-0000000000000002", "IOS")); res.status != http.StatusCreated {
		t.Errorf("after the fault: %d %s", res.status, res.body)
	}
	st := srv.Stats()
	if st.ByRoute["POST /v1/certificates"] != 1 || st.ByRoute["POST /v1/devices"] != 2 {
		t.Errorf("ByRoute %v", st.ByRoute)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 || reqs[0].Route != "POST /v1/certificates" || reqs[0].Status != 201 || reqs[1].Fault == "" {
		t.Errorf("requests %+v", reqs)
	}
	srv.SetHourlyLimit(3)
	if res := c.write(http.MethodPost, "/v1/bundleIds", bundleRequest("com.example.late", "Late", "IOS")); res.status != http.StatusTooManyRequests {
		t.Errorf("over the budget: %d", res.status)
	}
	if slices := srv.BundleIDs(); len(slices) != defaultBundleIDs {
		t.Errorf("a rate-limited POST registered a bundle ID")
	}
}

// TestConcurrentWritesKeepTheRules: however requests interleave, the limits
// and uniqueness hold: three of ten distribution certificates, one of ten
// registrations of a UDID, one of ten profiles of a name.
func TestConcurrentWritesKeepTheRules(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 72, Certificates: -1})
	csr := goodCSR(t)
	bundle := srv.BundleIDIDs()[0]
	var dev string
	for _, d := range srv.Devices() {
		if d.Status == "ENABLED" && d.Platform == "IOS" {
			dev = d.ID
			break
		}
	}
	devCert := c.write(http.MethodPost, "/v1/certificates", certRequest("IOS_DEVELOPMENT", csr)).doc(t).one(t).ID
	const n = 10
	jobs := []struct {
		what string
		send func(i int) (response, error)
		want int // how many may succeed
	}{
		{"distribution certificates", func(int) (response, error) {
			return c.tryWrite(http.MethodPost, "/v1/certificates", certRequest("DISTRIBUTION", csr))
		}, 3},
		{"one UDID", func(i int) (response, error) {
			return c.tryWrite(http.MethodPost, "/v1/devices", deviceRequest(fmt.Sprint("Racer ", i), "00008030-00000000000000AA", "IOS"))
		}, 1},
		{"one profile name", func(int) (response, error) {
			return c.tryWrite(http.MethodPost, "/v1/profiles", profileRequest("Raced", "IOS_APP_DEVELOPMENT", bundle, []string{devCert}, []string{dev}))
		}, 1},
		{"one bundle identifier", func(int) (response, error) {
			return c.tryWrite(http.MethodPost, "/v1/bundleIds", bundleRequest("com.example.raced", "Raced", "IOS"))
		}, 1},
	}
	for _, job := range jobs {
		var wg sync.WaitGroup
		statuses := make(chan int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := job.send(i)
				if err != nil {
					t.Error(err)
					return
				}
				statuses <- res.status
				_ = srv.Certificates() // readers alongside the writers
			}()
		}
		wg.Wait()
		close(statuses)
		got := map[int]int{}
		for s := range statuses {
			got[s]++
		}
		if got[201] != job.want || got[409] != n-job.want {
			t.Errorf("%s: %v, want %d created and the rest 409", job.what, got, job.want)
		}
	}
}
