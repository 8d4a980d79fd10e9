package cli_test

import (
	"net"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// closedLoopbackURL is the address of a loopback port nothing listens on: a
// request to it fails at once, as when the machine is offline.
func closedLoopbackURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// TestEndToEndOfflineVerifyChangesNothing: a check that never reached Apple
// says nothing about the key. keys verify fails with one line, and the key's
// stored state, verified or never checked, stays exactly as it was (it used
// to be marked rejected, and the window then said "Key rejected by Apple").
func TestEndToEndOfflineVerifyChangesNothing(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 9})
	verified := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	never := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	w.ok("keys", "add", "--p8", w.writeKey(verified), "--issuer-id", verified.IssuerID, "--name", "Verified")
	w.ok("keys", "add", "--p8", w.writeKey(never), "--issuer-id", never.IssuerID, "--name", "Never", "--no-verify")
	before := w.ok("keys", "list", "--json").stdout
	if !strings.Contains(before, `"status": "verified`) || !strings.Contains(before, `"status": "not yet verified"`) {
		t.Fatalf("the keys are not in the states this test starts from:\n%s", before)
	}

	offline := cliAPIURLVar + "=" + closedLoopbackURL(t)
	for _, name := range []string{"Verified", "Never"} {
		r := w.run([]string{"keys", "verify", name}, offline)
		line := strings.TrimRight(r.stderr, "\n")
		if r.code != 1 || line == "" || strings.Contains(line, "\n") || !strings.Contains(line, name) {
			t.Errorf("offline keys verify %s: exit %d, want 1 with one line naming the key\nstdout: %s\nstderr: %s", name, r.code, r.stdout, r.stderr)
		}
		if strings.Contains(line, "rejected") {
			t.Errorf("offline keys verify %s blames the key: %s", name, line)
		}
	}
	if after := w.ok("keys", "list", "--json").stdout; after != before {
		t.Errorf("an offline check changed the keys' state:\nbefore: %s\nafter:  %s", before, after)
	}
}
