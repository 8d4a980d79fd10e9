package storage

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
)

func TestEnvKey(t *testing.T) {
	k := keyfiletest.New(t)
	p8 := filepath.Join(t.TempDir(), "AuthKey_ABCDE12345.p8")
	if err := os.WriteFile(p8, k.SEC1, 0o600); err != nil {
		t.Fatal(err)
	}
	// What CI secret stores do to a key: one line with literal \n, quotes.
	mangled := `"` + strings.ReplaceAll(strings.TrimSpace(string(k.PKCS8)), "\n", `\n`) + `"`
	tests := []struct {
		name    string
		env     map[string]string
		kind    core.KeyKind
		repairs bool
	}{
		{"ours, PEM text", map[string]string{EnvKeyID: "ABCDE12345", EnvIssuerID: testIssuer, EnvPrivateKey: string(k.PKCS8)}, core.KindTeam, false},
		{"ours, a path", map[string]string{EnvKeyID: "ABCDE12345", EnvIssuerID: testIssuer, EnvPrivateKey: p8}, core.KindTeam, true},
		{"ours, mangled by a secret store", map[string]string{EnvKeyID: "ABCDE12345", EnvIssuerID: testIssuer, EnvPrivateKey: mangled}, core.KindTeam, true},
		{"ours, no issuer: individual", map[string]string{EnvKeyID: "ABCDE12345", EnvPrivateKey: string(k.PKCS8)}, core.KindIndividual, false},
		{"fastlane, content", map[string]string{FastlaneKeyID: "ABCDE12345", FastlaneIssuerID: testIssuer, FastlaneKey: string(k.PKCS8)}, core.KindTeam, false},
		{"fastlane, base64", map[string]string{FastlaneKeyID: "ABCDE12345", FastlaneIssuerID: testIssuer, FastlaneKey: base64.StdEncoding.EncodeToString(k.PKCS8), FastlaneKeyBase64: "true"}, core.KindTeam, false},
		{"fastlane, file path, in house", map[string]string{FastlaneKeyID: "ABCDE12345", FastlaneIssuerID: testIssuer, FastlaneKeyFilepath: p8, FastlaneInHouse: "true"}, core.KindEnterprise, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nk, ok, err := EnvKey(func(s string) string { return tt.env[s] })
			if err != nil || !ok {
				t.Fatalf("EnvKey: %v, %v", ok, err)
			}
			if nk.KeyID != "ABCDE12345" || nk.Kind != tt.kind {
				t.Fatalf("got Key ID %s, kind %s", nk.KeyID, nk.Kind)
			}
			if (len(nk.Repairs) > 0) != tt.repairs {
				t.Fatalf("repairs %q, want some: %v", nk.Repairs, tt.repairs)
			}
			// The key is checked and used as any added key.
			v := openTest(t, NewMemKeychain())
			added, _, err := v.Add(context.Background(), nk)
			if err != nil {
				t.Fatal(err)
			}
			creds, err := v.Credentials(context.Background(), added.ID)
			if err != nil || !creds.PrivateKey.Equal(k.Priv) {
				t.Fatalf("credentials: %v", err)
			}
		})
	}
}

func TestEnvKeyRefusals(t *testing.T) {
	k := keyfiletest.New(t)
	secret := strings.Split(string(k.PKCS8), "\n")[1]
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"no private key", map[string]string{EnvKeyID: "ABCDE12345", EnvIssuerID: testIssuer}, []string{"set " + EnvPrivateKey + " too"}},
		{"no key id", map[string]string{FastlaneKey: string(k.PKCS8)}, []string{"set " + FastlaneKeyID + " too"}},
		{"not base64", map[string]string{FastlaneKeyID: "ABCDE12345", FastlaneKey: string(k.PKCS8), FastlaneKeyBase64: "true"}, []string{"not valid base64"}},
		{"bad flag", map[string]string{FastlaneKeyID: "ABCDE12345", FastlaneKey: string(k.PKCS8), FastlaneKeyBase64: "maybe"}, []string{"not true or false"}},
		{"missing file", map[string]string{EnvKeyID: "ABCDE12345", EnvPrivateKey: "/nowhere/AuthKey_ABCDE12345.p8"}, []string{"does not exist"}},
		{"garbage", map[string]string{EnvKeyID: "ABCDE12345", EnvPrivateKey: "-----BEGIN PRIVATE KEY-----\n" + secret[:40] + "\n"}, []string{EnvPrivateKey + " holds no usable key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ok, err := EnvKey(func(s string) string { return tt.env[s] })
			if !ok || err == nil {
				t.Fatalf("EnvKey accepted it: %v, %v", ok, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), secret[:20]) {
				t.Errorf("message holds key text: %q", err)
			}
		})
	}
	if _, ok, err := EnvKey(func(string) string { return "" }); ok || err != nil {
		t.Fatalf("no variables: %v, %v", ok, err)
	}
}

// TestEphemeralVaultKeepsNothing: a vault for a key given in the
// environment refuses what must outlive the process, saying what to do,
// before anything is stored.
func TestEphemeralVaultKeepsNothing(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v, err := Open(Options{Dir: filepath.Join(t.TempDir(), "asckeys"), Keychain: kc, Ephemeral: "the key comes from the environment"})
	if err != nil {
		t.Fatal(err)
	}
	team, _ := mustAdd(t, v, "Env", "ABCDE12345")
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	before := len(kc.Accounts())
	_, err = v.StoreIdentityKey(ctx, team.ID, rsaKey)
	if !errors.Is(err, ErrEphemeral) || !strings.Contains(err.Error(), "link the key first") || !strings.Contains(err.Error(), "nothing was sent to Apple") {
		t.Fatalf("storing a signing key: %v", err)
	}
	if _, err := v.ImportIdentity(ctx, team.ID, rsaKey); !errors.Is(err, ErrEphemeral) {
		t.Fatalf("importing a signing key: %v", err)
	}
	if err := v.SavePendingProfiles(ctx, []PendingProfile{{KeyID: team.ID, OldID: "P1", Name: "App"}}); !errors.Is(err, ErrEphemeral) {
		t.Fatalf("keeping profile definitions: %v", err)
	}
	if len(kc.Accounts()) != before {
		t.Fatalf("the keychain gained %v", kc.Accounts())
	}
	if ids, _ := v.Identities(ctx); len(ids) != 0 {
		t.Fatalf("identities recorded: %v", ids)
	}
}
