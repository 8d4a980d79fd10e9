package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

type expiringRow struct {
	Key            string `json:"key"`
	Kind           string `json:"kind"`
	ID             string `json:"id"`
	Name           string `json:"name"`
	ExpirationDate string `json:"expirationDate"`
	DaysLeft       *int   `json:"daysLeft"`
}

// keyIDs maps each linked key's name to its vault id, from keys list --json.
func (w *world) keyIDs() map[string]string {
	w.t.Helper()
	var listed []struct{ ID, Name string }
	if err := json.Unmarshal([]byte(w.ok("keys", "list", "--json").stdout), &listed); err != nil {
		w.t.Fatal(err)
	}
	out := map[string]string{}
	for _, k := range listed {
		out[k.Name] = k.ID
	}
	return out
}

// cacheFile is the window's cached lists of the key with vault id id.
func (w *world) cacheFile(id string) string {
	return filepath.Join(w.dir, "cache", "asckeys", "lists", id+".json")
}

// editCache rewrites the cached lists of key id.
func (w *world) editCache(id string, change func(*storage.CachedLists)) {
	w.t.Helper()
	data, err := os.ReadFile(w.cacheFile(id))
	if err != nil {
		w.t.Fatalf("the lists were not cached: %v", err)
	}
	var cl storage.CachedLists
	if err := json.Unmarshal(data, &cl); err != nil {
		w.t.Fatal(err)
	}
	change(&cl)
	if data, err = json.Marshal(cl); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(w.cacheFile(id), data, 0o600); err != nil {
		w.t.Fatal(err)
	}
}

func TestEndToEndExpiringAcrossKeys(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 11, Certificates: 30, Profiles: 60})
	alpha, beta := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin), w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	w.ok("keys", "add", "--p8", w.writeKey(alpha), "--issuer-id", alpha.IssuerID, "--name", "Alpha", "--no-verify")
	w.ok("keys", "add", "--p8", w.writeKey(beta), "--issuer-id", beta.IssuerID, "--name", "Beta", "--no-verify")
	ids := w.keyIDs()

	// What each key lists, from Apple directly, and what of it is due: past
	// its date (whatever profileState says) or within 30 calendar days.
	now := time.Now()
	certs, _, err1 := w.client(alpha).Certificates.List(t.Context(), nil)
	profiles, _, err2 := w.client(alpha).Profiles.List(t.Context(), nil)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	want := map[string]int{} // kind/id -> days left
	due := func(kind, id string, exp core.Time) {
		if e := core.ExpiryOf(exp.Time, now); !exp.IsZero() && (e.State == core.ExpiryExpired || e.DaysLeft <= 30) {
			want[kind+"/"+id] = e.DaysLeft
		}
	}
	for _, c := range certs {
		due("certificate", c.ID, c.ExpirationDate)
	}
	for _, p := range profiles {
		due("profile", p.ID, p.ExpirationDate)
	}
	if len(want) == 0 || len(want) == len(certs)+len(profiles) {
		t.Fatalf("the seed should have some items due and some not: %d of %d", len(want), len(certs)+len(profiles))
	}

	w.srv.ResetStats()
	r := w.ok("expiring", "--json")
	var rows []expiringRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("expiring --json: %v\n%s", err, r.stdout)
	}
	if st := w.srv.StatsSettled(); st.ByRoute["GET /v1/certificates"] == 0 || st.ByRoute["GET /v1/profiles"] == 0 {
		t.Fatalf("nothing cached yet, yet Apple was not asked: %v", st.ByRoute)
	}
	perKey := map[string]int{}
	var last time.Time
	for i, row := range rows {
		days, ok := want[row.Kind+"/"+row.ID]
		if !ok || row.DaysLeft == nil || *row.DaysLeft != days || row.Name == "" {
			t.Errorf("row %d %+v is not one due (want %d days left)", i, row, days)
		}
		exp, err := core.ParseTime(row.ExpirationDate)
		if err != nil {
			t.Errorf("row %d: expirationDate %q: %v", i, row.ExpirationDate, err)
		}
		if exp.Before(last) {
			t.Errorf("row %d (%s) comes after a later one: not soonest first", i, row.ExpirationDate)
		}
		last = exp
		perKey[row.Key]++
	}
	if perKey["Alpha"] != len(want) || perKey["Beta"] != len(want) {
		t.Errorf("rows per key %v, want %d for each of Alpha and Beta", perKey, len(want))
	}

	// Cached a moment ago: a cron job's next run sends no request.
	w.srv.ResetStats()
	text := w.ok("expiring")
	if st := w.srv.StatsSettled(); st.Requests != 0 {
		t.Errorf("with a fresh cache, expiring sent %d requests: %v", st.Requests, st.ByRoute)
	}
	if !strings.Contains(text.stdout, "Alpha") || !strings.Contains(text.stdout, "Beta") || !strings.Contains(text.stdout, "EXPIRES") {
		t.Errorf("expiring (text):\n%s", text.stdout)
	}

	// --check: anything listed is exit 1, with one line saying how many.
	w.fails(1, []string{"expiring", "--check"}, fmt.Sprintf("%d certificates and profiles expire within 30 days", 2*len(want)))

	// A key whose cached lists hold only a far-off certificate: --check
	// passes, still without a request.
	w.editCache(ids["Beta"], func(cl *storage.CachedLists) {
		cl.Certificates.Items = []core.Certificate{{ID: "FAR", Name: "Far", ExpirationDate: core.NewTime(now.AddDate(1, 0, 0))}}
		cl.Profiles.Items = nil
	})
	w.srv.ResetStats()
	if r := w.ok("expiring", "--key", "Beta", "--check"); !strings.Contains(r.stdout, "Nothing expires within 30 days") {
		t.Errorf("expiring --key Beta --check:\n%s", r.stdout)
	}
	if r := w.ok("expiring", "--key", "Beta", "--within", "400d", "--json"); !strings.Contains(r.stdout, `"FAR"`) {
		t.Errorf("--within 400d leaves out the certificate a year away:\n%s", r.stdout)
	}
	if st := w.srv.StatsSettled(); st.Requests != 0 {
		t.Errorf("the cached lists of Beta were not used: %d requests", st.Requests)
	}

	// The setting says how fresh: cached 2 hours ago, with expiryMaxAge 1h,
	// Apple is asked again (and the cache renewed).
	settings := filepath.Join(w.dir, "config", "asckeys", "settings.json")
	if err := os.WriteFile(settings, []byte(`{"expiryMaxAge": "1h"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		w.editCache(id, func(cl *storage.CachedLists) {
			cl.Certificates.FetchedAt = now.Add(-2 * time.Hour)
			cl.Profiles.FetchedAt = now.Add(-2 * time.Hour)
		})
	}
	w.srv.ResetStats()
	w.ok("expiring", "--key", "Alpha")
	if st := w.srv.StatsSettled(); st.ByRoute["GET /v1/certificates"] != 1 || st.ByRoute["GET /v1/profiles"] == 0 {
		t.Errorf("a cache older than expiryMaxAge was trusted: %v", st.ByRoute)
	}

	// Offline: Beta's 2-hour-old cache is shown, and stderr says so.
	off := w.run([]string{"expiring", "--key", "Beta", "--within", "400d"}, cliAPIURLVar+"=http://127.0.0.1:1")
	if off.code != 0 || !strings.Contains(off.stdout, "FAR") || !strings.Contains(off.stderr, "using the lists cached 2 hours ago") {
		t.Errorf("offline: exit %d\nstdout: %s\nstderr: %s", off.code, off.stdout, off.stderr)
	}

	// Bad input gets its own message.
	w.fails(2, []string{"expiring", "--within", "soon"}, "30d")
	w.fails(2, []string{"expiring", "--all-keys", "--key", "Beta"}, "--all-keys")
}
