package storage

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile"
	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
)

// refusal is a path ReadKeyFile refuses, and what its message must say.
type refusal struct {
	name, path string
	want       []string
}

// TestReadKeyFileRefusesWhatIsNotAKeyFile: a folder, a named pipe, a device
// and a huge file each get one clear error, at once: the pipe is never
// opened for a read that would wait for a writer, /dev/zero is not read.
func TestReadKeyFileRefusesWhatIsNotAKeyFile(t *testing.T) {
	dir := t.TempDir()
	huge := filepath.Join(dir, "AuthKey_ABCDE12345.p8")
	if err := os.WriteFile(huge, make([]byte, keyfile.MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := append([]refusal{
		{"folder", dir, []string{"is a folder", "give the .p8 file"}},
		{"oversize file", huge, []string{"65537 bytes", "not one", "AuthKey_XXXXXXXXXX.p8"}},
		{"missing file", filepath.Join(dir, "nothing.p8"), []string{"does not exist", "check the path"}},
	}, specialFiles(t, dir)...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// A blocking read would hang here; the test binary's timeout
			// would then fail the test.
			nk, err := ReadKeyFile(tc.path)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != FieldFile {
				t.Fatalf("ReadKeyFile(%s) = %v, %v; want a ValidationError on the file", tc.path, nk, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			containsAll(t, err.Error(), tc.want...)
		})
	}
}

func TestReadKeyFileP8(t *testing.T) {
	ctx := context.Background()
	k := keyfiletest.New(t)
	dir := t.TempDir()
	clean := filepath.Join(dir, "AuthKey_ABCDE12345.p8")
	crlf := filepath.Join(dir, "AuthKey_CRLF123456.p8")
	garbage := filepath.Join(dir, "AuthKey_JUNK123456.p8")
	os.WriteFile(clean, k.PKCS8, 0o600)
	os.WriteFile(crlf, []byte(strings.ReplaceAll(string(k.SEC1), "\n", "\r\n")), 0o600)
	os.WriteFile(garbage, []byte("hello, this is not a key\n"), 0o600)

	nk, err := ReadKeyFile(clean)
	if err != nil {
		t.Fatal(err)
	}
	if nk.FileName != clean || nk.KeyID != "" || len(nk.Repairs) != 0 || string(nk.Data) != string(k.PKCS8) {
		t.Errorf("ReadKeyFile(clean) = %v, repairs %q", nk, nk.Repairs)
	}
	nk.IssuerID = testIssuer
	v := openTest(t, NewMemKeychain())
	p, err := v.Prepare(ctx, nk)
	if err != nil {
		t.Fatal(err)
	}
	if c := p.Credentials(); c.KeyID != "ABCDE12345" || p.Name() != "ABCDE12345" || c.Kind != core.KindTeam || len(p.Warnings()) != 0 {
		t.Errorf("the Key ID and name do not default from the file name: %v, %v, %q", p, c.Kind, p.Warnings())
	}

	nk, err = ReadKeyFile(crlf)
	if err != nil {
		t.Fatal(err)
	}
	containsAll(t, strings.Join(nk.Repairs, "; "), "SEC1")
	nk.IssuerID = testIssuer
	if p, err = v.Prepare(ctx, nk); err != nil {
		t.Fatal(err)
	}
	containsAll(t, strings.Join(p.Warnings(), " "), "the key file was repaired", "SEC1")

	_, err = ReadKeyFile(garbage)
	if !errors.Is(err, keyfile.ErrNotPEM) || FieldErrors(err)[FieldFile] == nil {
		t.Errorf("garbage: %v", err)
	}
	containsAll(t, err.Error(), "not a .p8 key")
}

// TestReadKeyFileFastlaneKeepsRepairs: the notes of a repaired key inside
// fastlane's JSON reach Prepare's warnings, though Data is the clean PEM.
func TestReadKeyFileFastlaneKeepsRepairs(t *testing.T) {
	ctx := context.Background()
	k := keyfiletest.New(t)
	quoted := `"` + strings.ReplaceAll(string(k.PKCS8), "\n", `\n`) + `"`
	in, _ := json.Marshal(map[string]any{"key_id": "FAST000001", "issuer_id": testIssuer, "key": quoted, "in_house": true})
	path := filepath.Join(t.TempDir(), "ci_api_key.json")
	os.WriteFile(path, in, 0o600)
	nk, err := ReadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if nk.KeyID != "FAST000001" || nk.IssuerID != testIssuer || nk.Kind != core.KindEnterprise || string(nk.Data) != string(k.PKCS8) {
		t.Errorf("ReadKeyFile(fastlane) = %v", nk)
	}
	if len(nk.Repairs) == 0 {
		t.Fatal("the repairs of the key inside the JSON were dropped")
	}
	v := openTest(t, NewMemKeychain())
	p, err := v.Prepare(ctx, nk)
	if err != nil {
		t.Fatal(err)
	}
	containsAll(t, strings.Join(p.Warnings(), " "), "the key file was repaired", "removed surrounding quotes")
	key, warnings, err := v.Link(ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key.Kind != core.KindEnterprise || key.Name != "FAST000001" {
		t.Errorf("linked %v", key)
	}
	containsAll(t, strings.Join(warnings, " "), "removed surrounding quotes")

	// The same bytes without a .json name are still recognised.
	if nk, err := ParseKeyData("pasted", append([]byte("\xEF\xBB\xBF  "), in...)); err != nil || nk.KeyID != "FAST000001" {
		t.Errorf("ParseKeyData of JSON without a .json name: %v, %v", nk, err)
	}
	if _, err := ParseKeyData("api_key.json", []byte(`{"key_id": "X"`)); !errors.Is(err, keyfile.ErrFastlaneJSON) || FieldErrors(err)[FieldFile] == nil {
		t.Errorf("bad JSON: %v", err)
	}
}
