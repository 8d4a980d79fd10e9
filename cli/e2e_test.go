package cli_test

// End-to-end tests: the built asckeys binary against the sandbox App Store
// Connect over real HTTP, with its private keys in the real Secret Service.
// They run inside `make test`, which starts a throwaway D-Bus session and
// keyring and sets ASCKEYS_REQUIRE_KEYCHAIN=1; elsewhere they skip, so a plain
// `go test` never touches a developer's own keychain.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/asckeys/asckeys/cli"
	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary returns the asckeys binary: the one make test built, or one built now.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if p := os.Getenv("ASCKEYS_TEST_BINARY"); p != "" {
			binPath = p
			return
		}
		dir, err := os.MkdirTemp("", "asckeys-e2e-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "asckeys")
		out, err := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", binPath, "github.com/asckeys/asckeys").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("building asckeys: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// requireKeychain makes sure the real Secret Service is there: the test fails
// when make test promised one, and skips otherwise.
func requireKeychain(t *testing.T) string {
	t.Helper()
	if os.Getenv("ASCKEYS_REQUIRE_KEYCHAIN") != "1" {
		t.Skip("end-to-end tests use the real keychain: they run inside 'make test', which starts a throwaway one")
	}
	service := "io.asckeys.app.e2e-" + randomHex(t, 6)
	kc := storage.NewSystemKeychain(service)
	ctx, cancel := storage.WithBackgroundTimeout(context.Background())
	defer cancel()
	if err := kc.Set(ctx, "probe", "x"); err != nil {
		t.Fatalf("the real keychain is not usable, so the end-to-end tests cannot run: %v", err)
	}
	_ = kc.Delete(ctx, "probe")
	return service
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// world is one user's machine: a config folder, a keychain service and the
// sandbox the binary talks to.
type world struct {
	t       *testing.T
	srv     *sandbox.Server
	dir     string
	service string
	env     []string
	leaks   *leakLog
}

func newWorld(t *testing.T, cfg sandbox.Config) *world {
	service := requireKeychain(t)
	binary(t)
	srv := sandbox.StartTest(t, cfg)
	dir := t.TempDir()
	w := &world{t: t, srv: srv, dir: dir, service: service, leaks: &leakLog{}}
	w.env = append(os.Environ(),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
		cliKeychainVar+"="+service,
		cliAPIURLVar+"="+srv.URL(),
	)
	t.Cleanup(func() { w.leaks.check(t) })
	return w
}

const (
	cliKeychainVar = "ASCKEYS_KEYCHAIN_SERVICE"
	cliAPIURLVar   = "ASCKEYS_API_URL"
)

type result struct {
	stdout, stderr string
	code           int
}

// run runs the binary with args and extra environment; stdin is empty.
func (w *world) run(args []string, extraEnv ...string) result {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(w.t), args...)
	cmd.Env = append(append([]string{}, w.env...), extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		w.t.Fatalf("asckeys %s: %v", strings.Join(args, " "), err)
	}
	w.leaks.add(args, r)
	return r
}

// ok runs and expects success.
func (w *world) ok(args ...string) result {
	w.t.Helper()
	r := w.run(args)
	if r.code != 0 {
		w.t.Fatalf("asckeys %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// fails runs and expects the exit status code with one clear line on stderr
// that contains every one of want.
func (w *world) fails(code int, args []string, want ...string) result {
	w.t.Helper()
	r := w.run(args)
	if r.code != code {
		w.t.Fatalf("asckeys %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	line := strings.TrimRight(r.stderr, "\n")
	if line == "" || strings.Contains(line, "\n") {
		w.t.Errorf("asckeys %s: stderr is not one line:\n%s", strings.Join(args, " "), r.stderr)
	}
	for _, s := range want {
		if !strings.Contains(line, s) {
			w.t.Errorf("asckeys %s: stderr %q does not say %q", strings.Join(args, " "), line, s)
		}
	}
	return r
}

// writeKey writes a sandbox key as Apple hands it out: AuthKey_<KEYID>.p8.
func (w *world) writeKey(k sandbox.TestKey) string {
	p := filepath.Join(w.dir, "AuthKey_"+k.KeyID+".p8")
	if err := os.WriteFile(p, k.PEM, 0o600); err != nil {
		w.t.Fatal(err)
	}
	w.leaks.secret(string(k.PEM))
	return p
}

// leakLog gathers everything the binary printed and finds no PEM block and no
// JWT, except the token that `asckeys token` was asked to print and the
// secrets that `keys export` was asked to write to stdout.
type leakLog struct {
	mu      sync.Mutex
	outputs []string
	secrets []string
}

var pemPattern = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]+-----`)

var jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{20,}`)

func (l *leakLog) add(args []string, r result) {
	l.mu.Lock()
	defer l.mu.Unlock()
	stdout := r.stdout
	if len(args) > 0 && args[0] == "token" {
		stdout = "" // the token is what was asked for
	}
	if len(args) > 1 && args[0] == "keys" && args[1] == "export" {
		stdout = "" // the secret is what was asked for
	}
	l.outputs = append(l.outputs, "$ asckeys "+strings.Join(args, " ")+"\n"+stdout+r.stderr)
}

func (l *leakLog) secret(pem string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range strings.Split(pem, "\n") {
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			l.secrets = append(l.secrets, line)
		}
	}
}

func (l *leakLog) check(t *testing.T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, out := range l.outputs {
		if strings.Contains(out, "PRIVATE KEY") || pemPattern.MatchString(out) {
			t.Errorf("a PEM block was printed:\n%s", out)
		}
		if jwtPattern.MatchString(out) {
			t.Errorf("a token was printed:\n%s", out)
		}
		for _, s := range l.secrets {
			if strings.Contains(out, s) {
				t.Errorf("private key material was printed:\n%s", out)
			}
		}
	}
}

func TestEndToEndKeysTokenListsAndDownloads(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 7, Certificates: 30, Profiles: 230, BundleIDs: 20, Devices: 40})
	key := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	p8 := w.writeKey(key)

	// keys add: Key ID and name from the file name, verified against Apple.
	r := w.ok("keys", "add", "--p8", p8, "--issuer-id", key.IssuerID)
	if want := fmt.Sprintf("sees %d certificates", len(w.srv.Certificates())); !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, key.KeyID) {
		t.Errorf("keys add said %q; want the Key ID and %q", r.stdout, want)
	}

	// keys list, as people read it and as JSON.
	r = w.ok("keys", "list")
	if !strings.Contains(r.stdout, key.KeyID) || !strings.Contains(r.stdout, "verified") || !strings.Contains(r.stdout, "Team") {
		t.Errorf("keys list:\n%s", r.stdout)
	}
	// The keychain was last asked when the key was stored: said, with its age.
	if !strings.Contains(r.stdout, "as last found in the keychain, less than a minute ago") {
		t.Errorf("keys list does not say when the keychain was asked:\n%s", r.stdout)
	}
	if r := w.ok("keys", "list", "--check"); strings.Contains(r.stdout, "last found") || !strings.Contains(r.stdout, "verified") {
		t.Errorf("keys list --check:\n%s", r.stdout)
	}
	var listed []struct {
		ID, Name, KeyID, IssuerID, Kind, Status, Fingerprint string
	}
	if err := json.Unmarshal([]byte(w.ok("keys", "list", "--json").stdout), &listed); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 1 || listed[0].KeyID != key.KeyID || listed[0].IssuerID != key.IssuerID || listed[0].Kind != "team" || !strings.HasPrefix(listed[0].Status, "verified") {
		t.Fatalf("keys list --json = %+v", listed)
	}
	if listed[0].Name != key.KeyID {
		t.Errorf("the name defaults to the Key ID; got %q", listed[0].Name)
	}

	w.ok("keys", "verify", key.KeyID)
	if r := w.ok("keys", "rename", key.KeyID, "CI key"); !strings.Contains(r.stdout, `"CI key"`) {
		t.Errorf("rename said %q", r.stdout)
	}
	if r := w.ok("keys", "list"); !strings.Contains(r.stdout, "CI key") {
		t.Errorf("the renamed key is not listed:\n%s", r.stdout)
	}

	// export: fastlane JSON to a private file, env formats to stdout.
	fl := filepath.Join(w.dir, "fastlane.json")
	w.ok("keys", "export", "CI key", "--format", "fastlane", "--out", fl)
	st, err := os.Stat(fl)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("the exported file has mode %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(fl)
	fk, err := keyfile.ParseFastlane(data)
	if err != nil {
		t.Fatalf("the fastlane export does not read back: %v", err)
	}
	if fk.KeyID != key.KeyID || fk.IssuerID != key.IssuerID || !fk.Key.PrivateKey.Equal(key.PrivateKey) {
		t.Errorf("the fastlane export holds another key: %v", fk)
	}
	env := w.ok("keys", "export", "CI key", "--format", "env-fastlane").stdout
	vars := parseEnv(t, env)
	pemBytes, err := base64.StdEncoding.DecodeString(vars["APP_STORE_CONNECT_API_KEY_KEY"])
	if err != nil || vars["APP_STORE_CONNECT_API_KEY_KEY_ID"] != key.KeyID || vars["APP_STORE_CONNECT_API_KEY_IS_KEY_CONTENT_BASE64"] != "true" {
		t.Fatalf("env-fastlane export:\n%s", env)
	}
	if k, err := keyfile.Parse(pemBytes); err != nil || !k.PrivateKey.Equal(key.PrivateKey) {
		t.Errorf("env-fastlane's key does not read back: %v", err)
	}
	cm := parseEnv(t, w.ok("keys", "export", "CI key", "--format", "env-codemagic").stdout)
	if cm["APP_STORE_CONNECT_KEY_IDENTIFIER"] != key.KeyID || cm["APP_STORE_CONNECT_ISSUER_ID"] != key.IssuerID {
		t.Errorf("env-codemagic export: %v", cm)
	}
	if k, err := keyfile.Parse([]byte(cm["APP_STORE_CONNECT_PRIVATE_KEY"])); err != nil || !k.PrivateKey.Equal(key.PrivateKey) {
		t.Errorf("env-codemagic's key does not read back: %v", err)
	}

	// token: verifies with the key's public key and carries Apple's claims.
	tok := strings.TrimSpace(w.ok("token", "CI key", "--ttl", "5m").stdout)
	checkToken(t, tok, key, 6*time.Minute)
	req, _ := http.NewRequest("GET", w.srv.URL()+"/v1/certificates?limit=1", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("the sandbox refused the printed token: %d", resp.StatusCode)
	}
	checkToken(t, strings.TrimSpace(w.ok("token").stdout), key, 20*time.Minute)
	w.fails(2, []string{"token", "--ttl", "30m"}, "--ttl")

	// Lists match the sandbox.
	var certs []map[string]any
	if err := json.Unmarshal([]byte(w.ok("certs", "list", "--json").stdout), &certs); err != nil {
		t.Fatal(err)
	}
	if len(certs) != len(w.srv.Certificates()) {
		t.Errorf("certs list --json has %d certificates, the account %d", len(certs), len(w.srv.Certificates()))
	}
	for _, c := range certs {
		if _, ok := c["certificateContent"]; ok {
			t.Fatal("a listed certificate carries its content")
		}
		if c["id"] == "" || c["serialNumber"] == "" || c["certificateType"] == "" {
			t.Fatalf("a listed certificate lacks Apple's attributes: %v", c)
		}
	}
	if lines := nonEmptyLines(w.ok("certs", "list").stdout); len(lines) != len(certs)+1 {
		t.Errorf("certs list prints %d lines for %d certificates", len(lines), len(certs))
	}
	var profiles []map[string]any
	if err := json.Unmarshal([]byte(w.ok("profiles", "list", "--json").stdout), &profiles); err != nil {
		t.Fatal(err)
	}
	if len(profiles) != len(w.srv.Profiles()) {
		t.Errorf("profiles list --json has %d profiles, the account %d", len(profiles), len(w.srv.Profiles()))
	}
	for _, field := range []string{"bundleIdentifier", "certificateCount", "deviceCount", "uuid", "expirationDate"} {
		if _, ok := profiles[0][field]; !ok {
			t.Errorf("profiles list --json lacks %s: %v", field, profiles[0])
		}
	}
	if raw, _ := profiles[0]["expirationDate"].(string); !strings.HasSuffix(raw, "+0000") {
		t.Errorf("dates are not printed as Apple sends them: %q", raw)
	}
	if n := len(nonEmptyLines(w.ok("bundle-ids", "list").stdout)); n != len(w.srv.BundleIDs())+1 {
		t.Errorf("bundle-ids list prints %d lines for %d bundle IDs", n, len(w.srv.BundleIDs()))
	}
	if n := len(nonEmptyLines(w.ok("devices", "list").stdout)); n != len(w.srv.Devices())+1 {
		t.Errorf("devices list prints %d lines for %d devices", n, len(w.srv.Devices()))
	}

	// Downloads: the files are the sandbox's bytes, one line per file.
	out := filepath.Join(w.dir, "certs")
	r = w.ok("certs", "download", "--out", out, "--all")
	written := nonEmptyLines(r.stdout)
	if len(written) != len(certs) {
		t.Fatalf("certs download --all printed %d lines for %d certificates", len(written), len(certs))
	}
	bySerial := map[string][]byte{}
	for _, c := range w.srv.Certificates() {
		info, err := w.srv.Certificate(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		bySerial[c.SerialNumber] = info.DER
	}
	for _, p := range written {
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("a printed path is not a file: %v", err)
		}
		m := regexp.MustCompile(`\(([0-9A-F]+)\)\.cer$`).FindStringSubmatch(p)
		if m == nil || !bytes.Equal(got, bySerial[m[1]]) {
			t.Errorf("%s is not the sandbox's certificate", p)
		}
	}
	// The same download again writes nothing new.
	r = w.ok("certs", "download", "--out", out, "--all")
	entries, _ := os.ReadDir(out)
	if len(entries) != len(certs) {
		t.Errorf("downloading again left %d files for %d certificates", len(entries), len(certs))
	}

	want := w.srv.Profiles()[3]
	info, err := w.srv.Profile(want.ID)
	if err != nil {
		t.Fatal(err)
	}
	pout := filepath.Join(w.dir, "profiles")
	r = w.ok("profiles", "download", "--out", pout, want.UUID)
	if got := nonEmptyLines(r.stdout); len(got) != 1 || filepath.Base(got[0]) != want.UUID+".mobileprovision" {
		t.Fatalf("profiles download printed %q", r.stdout)
	}
	if got, _ := os.ReadFile(filepath.Join(pout, want.UUID+".mobileprovision")); !bytes.Equal(got, info.Content) {
		t.Error("the downloaded profile is not the sandbox's")
	}
	w.fails(1, []string{"profiles", "download", "--out", pout, "no-such-profile"}, "no-such-profile")

	// remove: refuses without --yes when nobody can be asked; then removes
	// the metadata and the secret.
	w.fails(2, []string{"keys", "remove", "CI key"}, "--yes")
	w.ok("keys", "remove", "CI key", "--yes")
	if r := w.ok("keys", "list"); !strings.Contains(r.stdout, "No key is linked") {
		t.Errorf("the removed key is still listed:\n%s", r.stdout)
	}
	ctx, cancel := storage.WithBackgroundTimeout(context.Background())
	defer cancel()
	if _, err := storage.NewSystemKeychain(w.service).Get(ctx, listed[0].ID); !errors.Is(err, storage.ErrSecretNotFound) {
		t.Errorf("the private key is still in the keychain after remove: %v", err)
	}
}

func TestEndToEndErrorsAreOneClearLine(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 8})
	key := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	p8 := w.writeKey(key)

	w.fails(2, []string{"no-such-command"}, "unknown command")
	w.fails(2, []string{"keys", "list", "--no-such-flag"}, "--no-such-flag")
	w.fails(2, []string{"keys", "add"}, "--p8")
	w.fails(2, []string{"keys", "add", "--p8", p8, "--individual", "--enterprise"}, "--individual", "--enterprise")
	w.fails(1, []string{"certs", "list"}, "no key is linked", "keys add")
	w.fails(1, []string{"keys", "add", "--p8", filepath.Join(w.dir, "missing.p8")}, "does not exist")

	garbage := filepath.Join(w.dir, "AuthKey_ABCDE12345.p8")
	os.WriteFile(garbage, []byte("hello, this is not a key\n"), 0o600)
	w.fails(1, []string{"keys", "add", "--p8", garbage, "--issuer-id", key.IssuerID}, "not a .p8 key", "AuthKey_XXXXXXXXXX.p8")

	// Apple refuses a wrong Issuer ID: nothing is saved.
	w.fails(1, []string{"keys", "add", "--p8", p8, "--issuer-id", "11111111-2222-3333-4444-555555555555"}, "rejected", "Nothing was saved", "--no-verify")
	if r := w.ok("keys", "list"); !strings.Contains(r.stdout, "No key is linked") {
		t.Errorf("a key Apple refused was saved:\n%s", r.stdout)
	}
	w.fails(1, []string{"keys", "add", "--p8", p8}, "Issuer ID")

	// Offline save, then Apple revokes the key: the next call says so.
	w.ok("keys", "add", "--p8", p8, "--issuer-id", key.IssuerID, "--no-verify", "--name", "Main")
	w.fails(1, []string{"keys", "add", "--p8", p8, "--issuer-id", key.IssuerID, "--name", "Other"}, "Main")
	w.srv.RevokeKey(key.KeyID)
	w.fails(1, []string{"certs", "list"}, "rejected")
	w.fails(1, []string{"keys", "verify", "Main"}, "rejected")
	if r := w.ok("keys", "list"); !strings.Contains(r.stdout, "rejected") {
		t.Errorf("keys list does not show the failed check:\n%s", r.stdout)
	}

	// An individual key cannot use provisioning: said before any request.
	ind := w.srv.NewKey(core.KindIndividual, sandbox.RoleAdmin)
	ip8 := w.writeKey(ind)
	w.ok("keys", "add", "--p8", ip8, "--individual", "--name", "Mine")
	w.fails(1, []string{"profiles", "list", "--key", "Mine"}, "individual")
	w.fails(2, []string{"certs", "list"}, "--key")

	badURL := w.run([]string{"certs", "list", "--key", "Main"}, cliAPIURLVar+"=http://example.com")
	if badURL.code != 2 || !strings.Contains(badURL.stderr, "loopback") {
		t.Errorf("plain http to a remote host: exit %d, %q", badURL.code, badURL.stderr)
	}

	// A damaged keys.json is never overwritten, and one command restores it.
	path := filepath.Join(w.dir, "config", "asckeys", "keys.json")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte("{ this is not json"), 0o600)
	w.fails(1, []string{"keys", "list"}, "keys.json", "restore-backup")
	if got, _ := os.ReadFile(path); string(got) != "{ this is not json" {
		t.Error("the damaged keys.json was overwritten")
	}
	w.ok("keys", "restore-backup")
	if r := w.ok("keys", "list"); !strings.Contains(r.stdout, "Main") {
		t.Errorf("after restore-backup:\n%s\n(the file before damage: %s)", r.stdout, good)
	}
}

func checkToken(t *testing.T, tok string, key sandbox.TestKey, lifetime time.Duration) {
	t.Helper()
	parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return key.PrivateKey.Public().(*ecdsa.PublicKey), nil },
		jwt.WithValidMethods([]string{"ES256"}))
	if err != nil {
		t.Fatalf("the token does not verify with the key's public key: %v", err)
	}
	if parsed.Header["kid"] != key.KeyID || parsed.Header["typ"] != "JWT" {
		t.Errorf("token header %v", parsed.Header)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	var claims struct {
		Iss string `json:"iss"`
		Aud any    `json:"aud"`
		Iat int64  `json:"iat"`
		Exp int64  `json:"exp"`
	}
	json.Unmarshal(payload, &claims)
	if claims.Iss != key.IssuerID || claims.Aud != "appstoreconnect-v1" {
		t.Errorf("token claims %s", payload)
	}
	if got := time.Duration(claims.Exp-claims.Iat) * time.Second; got != lifetime {
		t.Errorf("token lifetime exp-iat = %s, want %s", got, lifetime)
	}
}

// parseEnv reads an env export as a shell does: sourced by sh.
func parseEnv(t *testing.T, export string) map[string]string {
	t.Helper()
	return cli.ReadEnvWith(t, "sh", []byte(export), ". ./e.env")
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}
