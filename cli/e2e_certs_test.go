package cli_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/identity"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// runStdin runs the binary with stdin (not a terminal).
func (w *world) runStdin(stdin string, args ...string) result {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(w.t), args...)
	cmd.Env = w.env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if exit, ok := err.(*exec.ExitError); ok {
		r.code = exit.ExitCode()
	} else if err != nil {
		w.t.Fatal(err)
	}
	w.leaks.add(args, r)
	return r
}

// client is a core client for key, as another machine would have.
func (w *world) client(key sandbox.TestKey) *core.Client {
	return core.NewClient(core.Credentials{KeyID: key.KeyID, IssuerID: key.IssuerID, Kind: key.Kind, PrivateKey: key.PrivateKey},
		core.WithBaseURL(w.srv.URL()), core.WithHTTPClient(w.srv.HTTPClient()))
}

// writes counts the requests that are not GETs.
func (w *world) writes() int {
	n := 0
	for _, r := range w.srv.Requests() {
		if r.Method != "GET" {
			n++
		}
	}
	return n
}

// identityKeys reads every signing key this world's keychain holds, for the
// leak check: none may appear in any output.
func (w *world) identityKeys() map[string]string {
	w.t.Helper()
	data, err := os.ReadFile(filepath.Join(w.dir, "config", "asckeys", storage.IdentitiesName))
	if err != nil {
		w.t.Fatal(err)
	}
	var doc struct{ Identities []storage.Identity }
	if err := json.Unmarshal(data, &doc); err != nil {
		w.t.Fatal(err)
	}
	kc := storage.NewSystemKeychain(w.service)
	out := map[string]string{}
	for _, id := range doc.Identities {
		ctx, cancel := storage.WithBackgroundTimeout(context.Background())
		pem, err := kc.Get(ctx, "identity:"+id.SPKI)
		cancel()
		if err == nil {
			out[id.SPKI] = pem
			w.leaks.secret(pem)
		}
	}
	return out
}

// noKeyMaterialInFiles checks that no file under the world's folders holds a
// PEM private key: keys live in the keychain only.
func (w *world) noKeyMaterialInFiles() {
	w.t.Helper()
	_ = filepath.WalkDir(w.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil // the test's named pipe is not read
		}
		data, _ := os.ReadFile(p)
		if bytes.Contains(data, []byte("PRIVATE KEY")) && !strings.HasSuffix(p, ".p8") {
			w.t.Errorf("%s holds a private key", p)
		}
		return nil
	})
}

type createdJSON struct {
	ID, SerialNumber, CertificateType, ExpirationDate string
	HasPrivateKey                                     *bool
}

func listedCerts(t *testing.T, w *world, args ...string) map[string]bool {
	t.Helper()
	var rows []map[string]any
	if err := json.Unmarshal([]byte(w.ok(append([]string{"certs", "list", "--json"}, args...)...).stdout), &rows); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, r := range rows {
		has, ok := r["hasPrivateKey"].(bool)
		if !ok {
			t.Fatalf("a row of certs list --json has no boolean hasPrivateKey: %v", r)
		}
		out[r["id"].(string)] = has
	}
	return out
}

func TestEndToEndCertificates(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 41, Certificates: -1, Profiles: -1, BundleIDs: 4, Devices: 4})
	key := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	w.ok("keys", "add", "--p8", w.writeKey(key), "--issuer-id", key.IssuerID, "--name", "Team")

	// Refusals with their own message and no request.
	before := w.srv.Stats().Requests
	w.fails(1, []string{"certs", "create", "--type", "DEVELOPER_ID_APPLICATION", "--yes"}, "Apple's website or in Xcode")
	w.fails(2, []string{"certs", "create", "--type", "DISTRIBUTION"}, "--yes")
	w.fails(2, []string{"certs", "create"}, "--type")
	ind := w.srv.NewKey(core.KindIndividual, sandbox.RoleAdmin)
	w.ok("keys", "add", "--p8", w.writeKey(ind), "--individual", "--name", "Mine", "--no-verify")
	w.fails(1, []string{"certs", "create", "--key", "Mine", "--type", "DEVELOPMENT", "--yes"}, "individual")
	if got := w.srv.Stats().Requests; got != before {
		t.Fatalf("the refusals sent %d requests", got-before)
	}
	w.ok("keys", "remove", "Mine", "--yes")

	// create: key in the keychain, one POST, the .cer written.
	out := filepath.Join(w.dir, "out")
	r := w.ok("certs", "create", "--type", "DISTRIBUTION", "--yes", "--json", "--out", out)
	var made createdJSON
	if err := json.Unmarshal([]byte(r.stdout), &made); err != nil {
		t.Fatalf("certs create --json: %v\n%s", err, r.stdout)
	}
	var fields map[string]any
	json.Unmarshal([]byte(r.stdout), &fields)
	if want := []string{"certificateType", "expirationDate", "hasPrivateKey", "id", "serialNumber"}; !slices.Equal(sortedKeys(fields), want) {
		t.Errorf("certs create --json fields %v, want %v", sortedKeys(fields), want)
	}
	info, err := w.srv.Certificate(made.ID)
	if err != nil || made.CertificateType != "DISTRIBUTION" || made.HasPrivateKey == nil || !*made.HasPrivateKey || made.SerialNumber != info.SerialNumber {
		t.Fatalf("certs create --json = %+v (sandbox: %v)", made, err)
	}
	if n := w.srv.Stats().ByRoute["POST /v1/certificates"]; n != 1 {
		t.Errorf("%d POSTs for one certificate", n)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 {
		t.Fatalf("--out wrote %d files", len(entries))
	}
	if der, _ := os.ReadFile(filepath.Join(out, entries[0].Name())); !bytes.Equal(der, info.DER) {
		t.Error("the .cer written is not the certificate Apple issued")
	}
	keys := w.identityKeys()
	cert, _ := x509.ParseCertificate(info.DER)
	if _, ok := keys[identity.SPKIHash(cert.PublicKey)]; !ok {
		t.Fatal("the certificate's private key is not in the keychain under its SPKI hash")
	}
	if has := listedCerts(t, w); !has[made.ID] {
		t.Errorf("certs list: the new certificate has hasPrivateKey false")
	}
	if text := w.ok("certs", "list").stdout; !strings.Contains(text, "KEY") || !strings.Contains(text, "here") {
		t.Errorf("certs list has no KEY column saying here:\n%s", text)
	}

	// The limit: a message naming the type and the candidates.
	second := w.ok("certs", "create", "--type", "DISTRIBUTION", "--yes", "--json").stdout
	w.ok("certs", "create", "--type", "DISTRIBUTION", "--yes")
	r = w.fails(1, []string{"certs", "create", "--type", "DISTRIBUTION", "--yes"}, "DISTRIBUTION", "limit is reached", made.SerialNumber, "revoke")
	for _, c := range w.srv.Certificates() {
		if !strings.Contains(r.stderr, c.SerialNumber) {
			t.Errorf("the limit message does not list %s", c.SerialNumber)
		}
	}

	// export: password rules, mode 0600, never over a file.
	const password = "correct horse battery staple 42"
	w.leaks.secret(password)
	pwFile := filepath.Join(w.dir, "pw")
	os.WriteFile(pwFile, []byte(password+"\n"), 0o600)
	p12 := filepath.Join(w.dir, "dist.p12")
	w.fails(2, []string{"certs", "export", made.ID, "--p12", p12}, "--password-stdin", "--password-file")
	if r := w.runStdin("\n", "certs", "export", made.ID, "--p12", p12, "--password-stdin"); r.code != 2 || !strings.Contains(r.stderr, "empty") {
		t.Errorf("an empty password: exit %d, %q", r.code, r.stderr)
	}
	if r := w.runStdin(password+"\n", "certs", "export", made.ID, "--p12", p12, "--password-stdin"); r.code != 0 {
		t.Fatalf("certs export: exit %d, %s", r.code, r.stderr)
	}
	st, err := os.Stat(p12)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the .p12: %v, mode %v", err, st.Mode().Perm())
	}
	data, _ := os.ReadFile(p12)
	got, err := identity.DecodeP12(data, password)
	if err != nil || !bytes.Equal(got.Certificate.Raw, info.DER) {
		t.Fatalf("the .p12 does not hold the certificate: %v", err)
	}
	w.fails(1, []string{"certs", "export", made.ID, "--p12", p12, "--password-file", pwFile}, "exists")
	if again, _ := os.ReadFile(p12); !bytes.Equal(again, data) {
		t.Error("an existing .p12 was overwritten")
	}
	modern := filepath.Join(w.dir, "modern.p12")
	w.ok("certs", "export", made.ID, "--p12", modern, "--password-file", pwFile, "--modern")
	if m, _ := os.ReadFile(modern); func() error { _, err := identity.DecodeP12(m, password); return err }() != nil {
		t.Error("the --modern .p12 does not read back")
	}
	// What other tools read: OpenSSL opens both, and each holds the
	// certificate Apple issued and the private key that matches it.
	for _, f := range []string{p12, modern} {
		opensslHoldsIdentity(t, f, password, info.DER)
	}

	// A certificate made on another machine: no key here, then imported.
	other, err := identity.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	csr, _ := identity.CSR(other)
	elsewhere, _, err := w.client(key).Certificates.Create(context.Background(), "DEVELOPMENT", string(csr))
	if err != nil {
		t.Fatal(err)
	}
	if has := listedCerts(t, w); has[elsewhere.ID] {
		t.Error("a certificate made elsewhere is listed with hasPrivateKey true")
	}
	w.fails(1, []string{"certs", "export", elsewhere.ID, "--p12", filepath.Join(w.dir, "dev.p12"), "--password-file", pwFile}, "another machine", "import-p12")
	if _, err := os.Stat(filepath.Join(w.dir, "dev.p12")); err == nil {
		t.Error("a failed export left a file")
	}
	devCert, _ := x509.ParseCertificate(elsewhere.DER)
	devP12, err := identity.EncodeP12(devCert, other, password, false)
	if err != nil {
		t.Fatal(err)
	}
	devFile := filepath.Join(w.dir, "from-elsewhere.p12")
	os.WriteFile(devFile, devP12, 0o600)
	wrong := filepath.Join(w.dir, "wrong")
	os.WriteFile(wrong, []byte("not the password at all\n"), 0o600)
	w.fails(1, []string{"certs", "import-p12", devFile, "--password-file", wrong}, "wrong password")
	if r := w.runStdin(password+"\n", "certs", "import-p12", devFile, "--password-stdin"); r.code != 0 || !strings.Contains(r.stdout, elsewhere.ID) {
		t.Fatalf("certs import-p12: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if has := listedCerts(t, w); !has[elsewhere.ID] || !has[made.ID] {
		t.Errorf("after import-p12: %v", has)
	}
	w.ok("certs", "export", elsewhere.ID, "--p12", filepath.Join(w.dir, "dev.p12"), "--password-file", pwFile)
	fifo := filepath.Join(w.dir, "fifo.p12")
	if err := mkfifo(fifo); err == nil {
		w.fails(1, []string{"certs", "import-p12", fifo, "--password-file", pwFile}, "named pipe")
	}

	// revoke: the profiles first; --dry-run sends no DELETE.
	bundle := w.srv.BundleIDs()[0]
	prof, _, err := w.client(key).Profiles.Create(context.Background(), core.ProfileCreate{Name: "Store profile", Type: "IOS_APP_STORE", BundleIDID: bundle.ID, CertificateIDs: []string{made.ID}})
	if err != nil {
		t.Fatal(err)
	}
	writes := w.writes()
	r = w.ok("certs", "revoke", made.ID, "--dry-run")
	for _, want := range []string{"Store profile", prof.UUID, "App Store", "nothing was revoked"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("revoke --dry-run does not say %q:\n%s", want, r.stdout)
		}
	}
	var dry map[string][]any
	if err := json.Unmarshal([]byte(w.ok("certs", "revoke", made.ID, "--dry-run", "--json").stdout), &dry); err != nil ||
		dry["revoked"] == nil || len(dry["revoked"]) != 0 || len(dry["affectedProfiles"]) != 1 {
		t.Errorf("revoke --dry-run --json = %v (%v)", dry, err)
	}
	w.fails(2, []string{"certs", "revoke", made.ID}, "--yes")
	w.fails(1, []string{"certs", "revoke", made.ID, "NOSUCHCERT", "--yes"}, "NOSUCHCERT")
	if w.writes() != writes {
		t.Fatalf("dry run, refusal and unknown id sent %d writes", w.writes()-writes)
	}
	r = w.ok("certs", "revoke", made.ID, "--yes", "--json")
	var rev struct {
		Revoked          []string
		AffectedProfiles []map[string]string
	}
	if err := json.Unmarshal([]byte(r.stdout), &rev); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rev.Revoked, []string{made.ID}) || len(rev.AffectedProfiles) != 1 ||
		rev.AffectedProfiles[0]["id"] != prof.ID || rev.AffectedProfiles[0]["uuid"] != prof.UUID || rev.AffectedProfiles[0]["name"] != "Store profile" {
		t.Errorf("revoke --json = %s", r.stdout)
	}
	if n := w.srv.Stats().ByRoute["DELETE /v1/certificates/{id}"]; n != 1 || !slices.Contains(w.srv.RevokedCertificateIDs(), made.ID) {
		t.Errorf("%d DELETEs for one certificate; revoked %v", n, w.srv.RevokedCertificateIDs())
	}
	if _, ok := w.identityKeys()[identity.SPKIHash(cert.PublicKey)]; !ok {
		t.Error("revoke without --delete-key removed the private key")
	}
	var sec createdJSON
	json.Unmarshal([]byte(second), &sec)
	secInfo, _ := w.srv.Certificate(sec.ID)
	secCert, _ := x509.ParseCertificate(secInfo.DER)
	w.ok("certs", "revoke", sec.ID, "--yes", "--delete-key")
	if _, ok := w.identityKeys()[identity.SPKIHash(secCert.PublicKey)]; ok {
		t.Error("revoke --delete-key kept the private key")
	}
	w.identityKeys()
	w.noKeyMaterialInFiles()
}

func sortedKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// opensslHoldsIdentity checks with `openssl pkcs12` (what build machines and
// Keychain-less tools use) that the .p12 at path opens with password and
// holds the certificate der and a private key whose public key is the
// certificate's.
func opensslHoldsIdentity(t *testing.T, path, password string, der []byte) {
	t.Helper()
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal("openssl is not installed: make deps-test installs it (the .p12 checks need it)")
	}
	run := func(args ...string) []byte {
		out, err := exec.Command(openssl, append([]string{"pkcs12", "-in", path, "-passin", "pass:" + password}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl pkcs12 %s on %s: %v\n%s", strings.Join(args, " "), filepath.Base(path), err, out)
		}
		return out
	}
	run("-info", "-noout")
	certBlock, _ := pem.Decode(run("-nokeys", "-clcerts"))
	if certBlock == nil || !bytes.Equal(certBlock.Bytes, der) {
		t.Fatalf("openssl finds no certificate, or another one, in %s", filepath.Base(path))
	}
	keyPEM := run("-nocerts", "-nodes")
	key, err := identity.ParseKeyPEM(keyPEM[bytes.Index(keyPEM, []byte("-----BEGIN")):])
	if err != nil {
		t.Fatalf("openssl's key from %s does not parse: %v", filepath.Base(path), err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if !identity.Matches(cert, key) {
		t.Errorf("the private key in %s is not the certificate's", filepath.Base(path))
	}
}
