package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

const hostileKeyID = "X;touch${IFS}~/PWNED;#"

// TestEndToEndHostileKeyIDs: a fastlane file whose Key ID could run a
// command where it is exported is refused, nothing stored; one the user
// typed is linked with a warning but never exported; and the suggested
// verify command is quoted for the shell.
func TestEndToEndHostileKeyIDs(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 21})
	key := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	p8 := w.writeKey(key)
	in, _ := json.Marshal(map[string]any{"key_id": hostileKeyID, "issuer_id": key.IssuerID, "key": string(key.PEM)})
	fl := filepath.Join(w.dir, "api_key.json")
	if err := os.WriteFile(fl, in, 0o600); err != nil {
		t.Fatal(err)
	}
	w.fails(1, []string{"keys", "import", fl, "--no-verify"}, "key_id", "10 upper-case letters and digits")
	if r := w.ok("keys", "list"); !strings.Contains(r.stdout, "No key is linked") {
		t.Fatalf("a refused key was stored:\n%s", r.stdout)
	}

	name := "Bob's key"
	r := w.ok("keys", "add", "--p8", p8, "--issuer-id", key.IssuerID, "--key-id", hostileKeyID, "--name", name, "--no-verify")
	if !strings.Contains(r.stderr, "warning:") {
		t.Errorf("a typed unusual Key ID got no warning: %q", r.stderr)
	}
	if want := `asckeys keys verify 'Bob'\''s key'`; !strings.Contains(r.stdout, want) {
		t.Errorf("keys add suggests %q, want the name quoted for the shell: %s", r.stdout, want)
	}
	for _, format := range []string{"env-fastlane", "env-codemagic", "fastlane"} {
		r := w.fails(1, []string{"keys", "export", name, "--format", format}, "not exported", "10 upper-case letters and digits")
		if r.stdout != "" {
			t.Errorf("export --format %s printed %q", format, r.stdout)
		}
	}
}
