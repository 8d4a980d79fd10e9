package actions

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/identity"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// CreateCertificate killed (SIGKILL, by itself, in a child process) at each
// of its steps never loses the private key of a certificate Apple issued:
// after "key-stored" (before the request) the next create reuses the key;
// after "answered" (before the record) and "recorded" (before the .cer) the
// certificate is listed with its key here. The child is this test binary,
// run again with crashChildEnv set; crashAt is set only there, so production
// carries no hook but a nil variable.

const (
	crashChildEnv = "ASCKEYS_ACTIONS_CRASH_STEP"
	crashDirEnv   = "ASCKEYS_ACTIONS_CRASH_DIR"
	crashURLEnv   = "ASCKEYS_ACTIONS_CRASH_URL"
	crashTypeEnv  = "ASCKEYS_ACTIONS_CRASH_TYPE"
)

// dirKeychain is a keychain that outlives a process: one file per account.
type dirKeychain struct{ dir string }

func (k dirKeychain) file(account string) string {
	return filepath.Join(k.dir, hex.EncodeToString([]byte(account)))
}

func (k dirKeychain) Set(_ context.Context, account, secret string) error {
	tmp := k.file(account) + ".tmp"
	if err := os.WriteFile(tmp, []byte(secret), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, k.file(account))
}

func (k dirKeychain) Get(_ context.Context, account string) (string, error) {
	b, err := os.ReadFile(k.file(account))
	if errors.Is(err, fs.ErrNotExist) {
		return "", storage.ErrSecretNotFound
	}
	return string(b), err
}

func (k dirKeychain) Delete(_ context.Context, account string) error {
	err := os.Remove(k.file(account))
	if errors.Is(err, fs.ErrNotExist) {
		return storage.ErrSecretNotFound
	}
	return err
}

func crashDeps(t testing.TB, dir, url string, now func() time.Time) Deps {
	v, err := storage.Open(storage.Options{Dir: filepath.Join(dir, "vault"), Keychain: dirKeychain{filepath.Join(dir, "keychain")}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := v.List(context.Background())
	if err != nil || len(keys) != 1 {
		t.Fatalf("the crash vault: %v, %d keys", err, len(keys))
	}
	creds, err := v.Credentials(context.Background(), keys[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return Deps{Vault: v, Key: keys[0], Client: core.NewClient(creds, core.WithBaseURL(url))}
}

// TestCrashChildProcess is not a test: TestCreateCertificateSurvivesKills
// runs it as the child it kills.
func TestCrashChildProcess(t *testing.T) {
	want := os.Getenv(crashChildEnv)
	if want == "" {
		return
	}
	crashAt = func(s string) {
		if s == want {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal lands
		}
	}
	dir := os.Getenv(crashDirEnv)
	_, err := CreateCertificate(context.Background(), crashDeps(t, dir, os.Getenv(crashURLEnv), nil), os.Getenv(crashTypeEnv), filepath.Join(dir, "out"))
	fmt.Printf("NOT KILLED: %v\n", err)
	os.Exit(3)
}

func TestCreateCertificateSurvivesKills(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 45, Certificates: -1, Profiles: -1, BundleIDs: 1, Devices: 1})
	key := srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "keychain"), 0o700)
	v, err := storage.Open(storage.Options{Dir: filepath.Join(dir, "vault"), Keychain: dirKeychain{filepath.Join(dir, "keychain")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := v.Add(context.Background(), storage.NewKey{Name: "Team", KeyID: key.KeyID, IssuerID: key.IssuerID, Kind: core.KindTeam, Data: key.PEM}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	kill := func(step, certType string) {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChildProcess$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+step, crashTypeEnv+"="+certType, crashDirEnv+"="+dir, crashURLEnv+"="+srv.URL())
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("the child was not killed at %s: %v\n%s", step, err, out)
		}
	}
	// every listed certificate has its key here
	allHaveKeys := func(step string, want int) {
		t.Helper()
		d := crashDeps(t, dir, srv.URL(), nil)
		certs, _, err := d.Client.Certificates.List(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := WithPrivateKeys(ctx, d, certs)
		if err != nil || len(rows) != want {
			t.Fatalf("after the kill at %s: %v, %d certificates, want %d", step, err, len(rows), want)
		}
		for _, r := range rows {
			if !r.HasPrivateKey {
				t.Errorf("after the kill at %s the certificate %s Apple issued has no private key here", step, r.ID)
			}
		}
	}

	kill("key-stored", "DEVELOPMENT")
	if n := len(srv.Certificates()); n != 0 {
		t.Fatalf("killed before the request, yet %d certificates", n)
	}
	ids, _ := v.Identities(ctx)
	if len(ids) != 1 {
		t.Fatalf("killed before the request: %d signing keys recorded, want 1", len(ids))
	}
	later := func() time.Time { return time.Now().Add(storage.IdentityGrace + time.Minute) }
	made, err := CreateCertificate(ctx, crashDeps(t, dir, srv.URL(), later), "DEVELOPMENT", "")
	if err != nil || !made.ReusedKey {
		t.Fatalf("the create after the kill: %v, reused %v", err, made.ReusedKey)
	}
	info, _ := srv.Certificate(made.ID)
	cert, _ := x509.ParseCertificate(info.DER)
	if identity.SPKIHash(cert.PublicKey) != ids[0].SPKI {
		t.Error("the create after the kill did not use the unanswered request's key")
	}
	allHaveKeys("key-stored", 1)

	// Two development certificates are the limit (revoked ones count too):
	// the third is of another type.
	kill("answered", "DEVELOPMENT")
	allHaveKeys("answered", 2)
	kill("recorded", "IOS_DEVELOPMENT")
	if entries, _ := os.ReadDir(filepath.Join(dir, "out")); len(entries) != 0 {
		t.Errorf("killed before the .cer, yet %d files", len(entries))
	}
	allHaveKeys("recorded", 3)
	// No key was made that is neither used nor reusable.
	ids, _ = v.Identities(ctx)
	if len(ids) != 3 {
		var s []string
		for _, id := range ids {
			s = append(s, id.SPKI[:8]+"/"+id.CertificateID)
		}
		t.Errorf("%d signing keys recorded, want 3 (one per certificate issued): %s", len(ids), strings.Join(s, " "))
	}
}
