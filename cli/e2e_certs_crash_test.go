package cli_test

import (
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/identity"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// certs create killed with SIGKILL at the two moments a real binary can be
// held from outside never loses a private key for a certificate Apple
// issued: while its POST is held before Apple looked at it (the key is
// stored and the next create reuses it), and while Apple's answer is under
// way (the certificate exists; the next listing finds its key by public
// key). The steps after the answer are killed in actions/crash_test.go.
func TestEndToEndCertsCreateSurvivesKills(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 43, Certificates: -1, Profiles: -1, BundleIDs: 2, Devices: 2})
	key := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	w.ok("keys", "add", "--p8", w.writeKey(key), "--issuer-id", key.IssuerID, "--name", "Team")
	isPost := func(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == "/v1/certificates" }

	// 1. Killed before Apple handled the request.
	held, release := make(chan struct{}), make(chan struct{})
	w.srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStatus, Status: http.StatusServiceUnavailable, Match: func(r *http.Request) bool {
		if !isPost(r) {
			return false
		}
		close(held)
		<-release // answered with 503 to a dead client: nothing is created
		return true
	}})
	w.killDuring([]string{"certs", "create", "--type", "DEVELOPMENT", "--yes"}, held)
	close(release)
	if n := len(w.srv.Certificates()); n != 0 {
		t.Fatalf("the held request made %d certificates", n)
	}
	keys := w.identityKeys()
	if len(keys) != 1 {
		t.Fatalf("after the kill before the request the keychain holds %d signing keys, want the 1 stored before the POST", len(keys))
	}
	var pending string
	for spki := range keys {
		pending = spki
	}
	// The key counts as in flight for storage.IdentityGrace: let that pass.
	w.ageIdentities(storage.IdentityGrace + time.Minute)
	var made createdJSON
	json.Unmarshal([]byte(w.ok("certs", "create", "--type", "DEVELOPMENT", "--yes", "--json").stdout), &made)
	info, err := w.srv.Certificate(made.ID)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(info.DER)
	if got := identity.SPKIHash(cert.PublicKey); got != pending {
		t.Errorf("the next create used a new key (%s) instead of the unanswered request's (%s)", got[:12], pending[:12])
	}
	if n := len(w.identityKeys()); n != 1 {
		t.Errorf("%d signing keys after the reuse, want 1", n)
	}

	// 2. Killed while Apple's answer was under way: the certificate exists.
	w.srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStall, Stall: time.Minute, Match: isPost})
	issued := make(chan struct{})
	go func() {
		for len(w.srv.Certificates()) < 2 {
			time.Sleep(5 * time.Millisecond)
		}
		close(issued)
	}()
	w.killDuring([]string{"certs", "create", "--type", "DEVELOPMENT", "--yes"}, issued)
	w.srv.ClearFaults()
	has := listedCerts(t, w)
	if len(has) != 2 {
		t.Fatalf("%d certificates listed, want 2", len(has))
	}
	for id, ok := range has {
		if !ok {
			t.Errorf("the certificate %s Apple issued is listed without its private key after the kill", id)
		}
	}
	// Matched once, recorded: the next listing fetches no content. (The
	// killed process's held request is counted when its handler ends.)
	before := w.srv.StatsSettled().Requests
	listedCerts(t, w)
	if got := w.srv.Stats().Requests - before; got != 1 {
		t.Errorf("the listing after the match sent %d requests, want 1 (no content fetch)", got)
	}
	w.identityKeys() // every key made here joins the leak check
	w.noKeyMaterialInFiles()
}

// killDuring starts asckeys args, waits until ready is closed (the sandbox
// holds its request) and kills it with SIGKILL.
func (w *world) killDuring(args []string, ready <-chan struct{}) {
	w.t.Helper()
	cmd := exec.Command(binary(w.t), args...)
	cmd.Env = w.env
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	select {
	case <-ready:
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		w.t.Fatalf("asckeys %s never reached the held request:\n%s", strings.Join(args, " "), out.String())
	}
	_ = cmd.Process.Kill() // SIGKILL
	_ = cmd.Wait()
	w.leaks.add(args, result{stdout: out.String()})
}

// ageIdentities moves every recorded signing key's dates back by d, as if
// that much time had passed.
func (w *world) ageIdentities(d time.Duration) {
	w.t.Helper()
	path := filepath.Join(w.dir, "config", "asckeys", storage.IdentitiesName)
	data, err := os.ReadFile(path)
	if err != nil {
		w.t.Fatal(err)
	}
	var doc struct {
		SchemaVersion int                `json:"schemaVersion"`
		Identities    []storage.Identity `json:"identities"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		w.t.Fatal(err)
	}
	for i := range doc.Identities {
		doc.Identities[i].CreatedAt = doc.Identities[i].CreatedAt.Add(-d)
		if !doc.Identities[i].ReusedAt.IsZero() {
			doc.Identities[i].ReusedAt = doc.Identities[i].ReusedAt.Add(-d)
		}
	}
	data, _ = json.Marshal(doc)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		w.t.Fatal(err)
	}
}
