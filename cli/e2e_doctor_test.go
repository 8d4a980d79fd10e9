package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core/provision"
	"github.com/asckeys/asckeys/sandbox"
)

type doctorCell struct {
	BundleIdentifier, Kind string
	Ready                  bool
	Problems               []struct{ Code, Message string }
	Fix                    []string
}

func doctorJSON(t *testing.T, r result) []doctorCell {
	t.Helper()
	var cells []doctorCell
	if err := json.Unmarshal([]byte(r.stdout), &cells); err != nil {
		t.Fatalf("doctor --json: %v\n%s", err, r.stdout)
	}
	var raw []map[string]any
	json.Unmarshal([]byte(r.stdout), &raw)
	for _, row := range raw {
		if got, want := sortedKeys(row), []string{"bundleIdentifier", "fix", "kind", "problems", "ready"}; !slices.Equal(got, want) {
			t.Fatalf("doctor --json fields %v, want %v", got, want)
		}
	}
	return cells
}

// doctor on the sandbox seeded with every problem: each code is found from
// the four listings alone; the fix asks first; 'doctor --fix --install
// --yes' repairs it all with at most four requests in flight, and a second
// doctor exits 0. certs renew --dry-run sends only GETs; a renewal leaves
// the installed profiles stale until 'doctor --install'.
func TestEndToEndDoctor(t *testing.T) {
	w, c, _ := provisionWorld(t, sandbox.Config{Seed: 17, Doctor: true})
	home := filepath.Join(w.dir, "home")
	w.env = append(w.env, "HOME="+home)
	var mapsDev string
	for _, p := range w.srv.Profiles() {
		if p.Name == "Maps Development" {
			mapsDev = p.ID
		}
	}
	// Installed, then regenerated at Apple: the installed copy is stale.
	w.ok("profiles", "install", mapsDev)
	w.ok("profiles", "regenerate", mapsDev, "--yes")

	before := len(w.srv.Requests())
	r := w.fails(1, []string{"doctor", "--json"}, "not ready", "doctor --fix --install")
	var sent []string
	for _, req := range w.srv.Requests()[before:] {
		sent = append(sent, req.Route)
	}
	slices.Sort(sent)
	if want := []string{"GET /v1/bundleIds", "GET /v1/certificates", "GET /v1/devices", "GET /v1/profiles"}; !slices.Equal(sent, want) {
		t.Errorf("doctor sent %v, want the four listings only", sent)
	}
	found := map[string]bool{}
	for _, cell := range doctorJSON(t, r) {
		for _, p := range cell.Problems {
			found[p.Code] = true
		}
		if !cell.Ready && len(cell.Fix) == 0 {
			t.Errorf("%s x %s is not ready and has no fix", cell.BundleIdentifier, cell.Kind)
		}
	}
	for _, code := range []string{"no-certificate", "no-private-key", "certificate-expired", "no-profile", "profile-expired", "profile-invalid",
		"profile-missing-certificate", "profile-missing-devices", "not-installed", "installed-stale"} {
		if !found[code] {
			t.Errorf("doctor found no %s", code)
		}
	}
	text := w.run([]string{"doctor", "--bundle-id", "com.example.doctor.desk"})
	if text.code != 1 || !strings.Contains(text.stdout, "no-certificate") || strings.Contains(text.stdout, "com.example.doctor.notes") {
		t.Errorf("doctor --bundle-id desk: exit %d\n%s", text.code, text.stdout)
	}
	w.fails(2, []string{"doctor", "--kind", "beta"}, "not a kind")
	w.fails(1, []string{"doctor", "--bundle-id", "com.example.nope"}, "com.example.nope", "is registered")

	// Without --yes and no terminal: refused, nothing changed.
	before = len(w.srv.Requests())
	w.fails(2, []string{"doctor", "--fix"}, "--yes")
	for _, req := range w.srv.Requests()[before:] {
		if req.Method != "GET" {
			t.Errorf("a refused fix sent %s %s", req.Method, req.Route)
		}
	}

	// certs renew --dry-run: the plan, GETs only.
	var iosDev string
	for _, ci := range w.srv.Certificates() {
		if ci.CertificateType == "IOS_DEVELOPMENT" {
			iosDev = ci.ID
		}
	}
	before = len(w.srv.Requests())
	r = w.ok("certs", "renew", iosDev, "--dry-run", "--json")
	for _, req := range w.srv.Requests()[before:] {
		if req.Method != "GET" {
			t.Errorf("renew --dry-run sent %s %s", req.Method, req.Route)
		}
	}
	var dry map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &dry); err != nil || !slices.Equal(sortedKeys(dry), []string{"newId", "oldId", "regenerated", "revoked"}) || dry["oldId"] != iosDev {
		t.Errorf("renew --dry-run --json: %v %s", err, r.stdout)
	}
	if !strings.Contains(r.stderr, "Notes Development") || !strings.Contains(r.stderr, "Maps Development") {
		t.Errorf("renew --dry-run does not list the profiles to regenerate:\n%s", r.stderr)
	}

	// The fix, side by side and never more than four in flight for the key.
	w.srv.ResetStats()
	w.srv.HoldUntilInFlight(4, time.Minute)
	r = w.ok("doctor", "--fix", "--install", "--yes")
	w.srv.HoldUntilInFlight(0, 0)
	if got := w.srv.StatsSettled().MaxInFlightByKey[c.Credentials().KeyID]; got != 4 {
		t.Errorf("doctor --fix had at most %d requests in flight for the key, want 4", got)
	}
	if !strings.Contains(r.stdout, "After the fix:") {
		t.Errorf("doctor --fix does not show the second check:\n%s", r.stdout)
	}
	r = w.ok("doctor", "--json")
	for _, cell := range doctorJSON(t, r) {
		if !cell.Ready {
			t.Errorf("after the fix, %s x %s: %v", cell.BundleIdentifier, cell.Kind, cell.Problems)
		}
	}
	for _, dir := range provision.Folders(home) {
		entries, _ := os.ReadDir(dir)
		if len(entries) != 8 {
			t.Errorf("%s holds %d profiles, want the 8 of the cells (the stale one removed)", dir, len(entries))
		}
	}

	// A renewal regenerates the profiles: installed copies are stale until
	// installed again, which needs no confirmation (nothing changes at Apple).
	var dev string
	for _, ci := range w.srv.Certificates() {
		if ci.CertificateType == "DEVELOPMENT" {
			dev = ci.ID
		}
	}
	r = w.ok("certs", "renew", dev, "--revoke-old", "--yes", "--json")
	var renewed struct {
		OldID, NewID string
		Regenerated  []struct{ Name, OldUUID, NewUUID string }
		Revoked      bool
	}
	if err := json.Unmarshal([]byte(r.stdout), &renewed); err != nil || renewed.OldID != dev || renewed.NewID == "" || !renewed.Revoked || len(renewed.Regenerated) != 3 {
		t.Fatalf("certs renew --json: %v %s", err, r.stdout)
	}
	r = w.fails(1, []string{"doctor", "--kind", "development", "--json"}, "not ready")
	for _, cell := range doctorJSON(t, r) {
		if len(cell.Problems) != 1 || cell.Problems[0].Code != "installed-stale" {
			t.Errorf("after the renewal, %s x %s: %v, want installed-stale only", cell.BundleIdentifier, cell.Kind, cell.Problems)
		}
	}
	w.ok("doctor", "--install")
	w.ok("doctor")
}
