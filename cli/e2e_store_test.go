package cli_test

// The no-keychain path: a key given in the environment (nothing stored), and
// the encrypted file chosen with --store file. The built binary, the sandbox
// over real HTTP, and the real Secret Service to prove nothing reaches it.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	ss "github.com/zalando/go-keyring/secret_service"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// keyringItems counts every item in the Secret Service's default
// collection, whatever its service: a new one of any kind shows.
func keyringItems(t *testing.T) int {
	t.Helper()
	svc, err := ss.NewSecretService()
	if err != nil {
		t.Fatalf("the Secret Service: %v", err)
	}
	items, err := svc.SearchItems(svc.GetLoginCollection(), map[string]string{})
	if err != nil {
		t.Fatalf("listing the keyring: %v", err)
	}
	return len(items)
}

// filesUnder lists every file and folder under the roots.
func filesUnder(t *testing.T, roots ...string) []string {
	t.Helper()
	var out []string
	for _, root := range roots {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && p != root {
				out = append(out, p)
			}
			return nil
		})
	}
	return out
}

func TestEndToEndEnvKeyStoresNothing(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 19, Certificates: 3, Profiles: 4, BundleIDs: 2, Devices: 3})
	key := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	w.leaks.secret(string(key.PEM))
	home, tmp := filepath.Join(w.dir, "home"), filepath.Join(w.dir, "tmp")
	for _, d := range []string{home, tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	roots := []string{home, tmp, filepath.Join(w.dir, "config"), filepath.Join(w.dir, "cache"), filepath.Join(w.dir, "state"), filepath.Join(w.dir, "data")}
	w.env = append(w.env, "HOME="+home, "TMPDIR="+tmp, "XDG_STATE_HOME="+roots[4], "XDG_DATA_HOME="+roots[5])
	items := keyringItems(t)

	// A key pasted into a CI secret store: one line with literal \n.
	mangled := strings.ReplaceAll(strings.TrimSpace(string(key.PEM)), "\n", `\n`)
	ours := []string{"ASCKEYS_KEY_ID=" + key.KeyID, "ASCKEYS_ISSUER_ID=" + key.IssuerID, "ASCKEYS_PRIVATE_KEY=" + mangled}
	run := func(env []string, args ...string) result {
		t.Helper()
		r := w.run(args, env...)
		if r.code != 0 {
			t.Fatalf("asckeys %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
		return r
	}

	r := run(ours, "keys", "list", "--json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 1 || rows[0]["store"] != "env" || rows[0]["keyId"] != key.KeyID {
		t.Fatalf("keys list --json with a key in the environment: %v\n%s", err, r.stdout)
	}
	if !strings.Contains(r.stderr, "warning: the key given in the environment") {
		t.Errorf("the repair of the mangled key was not said: %q", r.stderr)
	}
	if text := run(ours, "keys", "list").stdout; !strings.Contains(text, "STORED IN") || !strings.Contains(text, "env") {
		t.Errorf("keys list does not say where the key lives:\n%s", text)
	}
	checkToken(t, strings.TrimSpace(run(ours, "token").stdout), key, 20*time.Minute)
	run(ours, "keys", "verify", key.KeyID)
	run(ours, "certs", "list", "--json")
	run(ours, "profiles", "list")
	run(ours, "devices", "list")
	run(ours, "bundle-ids", "list", "--json")
	run(ours, "profiles", "download", "--all", "--out", filepath.Join(w.dir, "out"))
	// expiring and doctor read and write the list cache: an env key's is a
	// throwaway one too.
	run(ours, "expiring", "--json")
	if r := w.run([]string{"doctor", "--json"}, ours...); r.code != 0 && r.code != 1 {
		t.Fatalf("asckeys doctor: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// fastlane's variables, base64 as its flag says.
	fastlane := []string{"APP_STORE_CONNECT_API_KEY_KEY_ID=" + key.KeyID, "APP_STORE_CONNECT_API_KEY_ISSUER_ID=" + key.IssuerID,
		"APP_STORE_CONNECT_API_KEY_KEY=" + base64.StdEncoding.EncodeToString(key.PEM), "APP_STORE_CONNECT_API_KEY_IS_KEY_CONTENT_BASE64=true"}
	checkToken(t, strings.TrimSpace(run(fastlane, "token").stdout), key, 20*time.Minute)

	// What would have to be kept is refused, before any request.
	r = w.run([]string{"certs", "create", "--type", "DEVELOPMENT", "--yes"}, ours...)
	if r.code != 1 || !strings.Contains(r.stderr, "link the key first") || !strings.Contains(r.stderr, "nothing was sent to Apple") {
		t.Errorf("certs create with an env key: exit %d, %q", r.code, r.stderr)
	}
	if n := w.srv.Stats().ByRoute["POST /v1/certificates"]; n != 0 {
		t.Errorf("certs create with an env key sent %d POSTs", n)
	}
	r = w.run([]string{"keys", "add", "--p8", w.writeKey(key), "--issuer-id", key.IssuerID}, ours...)
	if r.code != 2 || !strings.Contains(r.stderr, "unset those variables") {
		t.Errorf("keys add with an env key: exit %d, %q", r.code, r.stderr)
	}
	_ = os.Remove(filepath.Join(w.dir, "AuthKey_"+key.KeyID+".p8"))
	// A half-set environment names what is missing.
	r = w.run([]string{"token"}, "ASCKEYS_KEY_ID="+key.KeyID)
	if r.code != 1 || !strings.Contains(r.stderr, "set ASCKEYS_PRIVATE_KEY too") {
		t.Errorf("a half-set environment: exit %d, %q", r.code, r.stderr)
	}

	if got := filesUnder(t, roots...); len(got) != 0 {
		t.Errorf("an env-only key left files: %v", got)
	}
	if got := keyringItems(t); got != items {
		t.Errorf("the keyring holds %d items, %d before: an env-only key reached it", got, items)
	}
}

func TestEndToEndEncryptedFile(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 20, Certificates: -1, Profiles: -1, BundleIDs: 2, Devices: 2})
	key := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	p8 := w.writeKey(key)
	items := keyringItems(t)
	pass := "ASCKEYS_PASSPHRASE=correct horse battery"

	r := w.run([]string{"keys", "add", "--p8", p8, "--issuer-id", key.IssuerID, "--store", "file", "--name", "Filed"}, pass)
	if r.code != 0 || !strings.Contains(r.stdout, "private key in the encrypted key file") {
		t.Fatalf("keys add --store file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	path := filepath.Join(w.dir, "config", "asckeys", storage.FileVaultName)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("%s is %v, want 0600", path, fi.Mode().Perm())
	}
	w.noKeyMaterialInFiles()

	// keys list says where, without asking for the passphrase.
	r = w.ok("keys", "list", "--json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 1 || rows[0]["store"] != "file" {
		t.Fatalf("keys list --json: %v\n%s", err, r.stdout)
	}
	if !strings.Contains(rows[0]["status"].(string), "verified") {
		t.Errorf("status %q", rows[0]["status"])
	}

	// The key signs; a certificate's new private key goes to the same file.
	checkToken(t, strings.TrimSpace(w.run([]string{"token"}, pass).stdout), key, 20*time.Minute)
	r = w.run([]string{"certs", "create", "--type", "DISTRIBUTION", "--yes", "--json"}, pass)
	if r.code != 0 || !strings.Contains(r.stdout, `"hasPrivateKey": true`) {
		t.Fatalf("certs create with a file key: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r = w.run([]string{"certs", "list", "--json"}, pass); !strings.Contains(r.stdout, `"hasPrivateKey": true`) {
		t.Errorf("certs list does not find the new certificate's key in the file:\n%s%s", r.stdout, r.stderr)
	}
	if got := keyringItems(t); got != items {
		t.Errorf("the keyring holds %d items, %d before: a file key reached it", got, items)
	}

	// A wrong passphrase is one clear line and changes nothing.
	before, _ := os.ReadFile(path)
	keysBefore, _ := os.ReadFile(filepath.Join(w.dir, "config", "asckeys", storage.FileName))
	for _, args := range [][]string{{"token"}, {"keys", "remove", "Filed", "--yes"}, {"certs", "create", "--type", "DEVELOPMENT", "--yes"}} {
		r = w.run(args, "ASCKEYS_PASSPHRASE=wrong")
		if r.code != 1 || !strings.Contains(r.stderr, "passphrase is wrong, and nothing was changed") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("asckeys %s with a wrong passphrase: exit %d, %q", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	after, _ := os.ReadFile(path)
	keysAfter, _ := os.ReadFile(filepath.Join(w.dir, "config", "asckeys", storage.FileName))
	if !bytes.Equal(before, after) || !bytes.Equal(keysBefore, keysAfter) {
		t.Error("a wrong passphrase changed the encrypted file or keys.json")
	}
	// No passphrase and no terminal: it says how to give one.
	w.fails(1, []string{"token"}, "ASCKEYS_PASSPHRASE", "not a terminal")
}

// TestEndToEndNoSecretService: with no Secret Service on the bus, adding a
// key says both ways out, and the encrypted file is one of them.
func TestEndToEndNoSecretService(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 21, Certificates: 1, Profiles: 1, BundleIDs: 1, Devices: 1})
	key := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	p8 := w.writeKey(key)
	nobus := "DBUS_SESSION_BUS_ADDRESS=unix:path=" + filepath.Join(w.dir, "no-bus")
	r := w.run([]string{"keys", "add", "--p8", p8, "--issuer-id", key.IssuerID}, nobus)
	if r.code != 1 || !strings.Contains(r.stderr, "GNOME Keyring") || !strings.Contains(r.stderr, "--store file") {
		t.Fatalf("keys add without a Secret Service: exit %d, %q", r.code, r.stderr)
	}
	r = w.run([]string{"keys", "add", "--p8", p8, "--issuer-id", key.IssuerID, "--store", "file"}, nobus, "ASCKEYS_PASSPHRASE=pass")
	if r.code != 0 {
		t.Fatalf("keys add --store file without a Secret Service: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	checkToken(t, strings.TrimSpace(w.run([]string{"token"}, nobus, "ASCKEYS_PASSPHRASE=pass").stdout), key, 20*time.Minute)
}
