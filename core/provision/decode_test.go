package provision_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core/provision"
	"github.com/asckeys/asckeys/internal/sharedtest"
	"github.com/asckeys/asckeys/sandbox"
)

// codemagicProfile is the real Apple-signed profile of ../shared's Codemagic
// fixture.
func codemagicProfile(t testing.TB) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "fixtures", "codemagic", "profile.json"))
	if err != nil {
		sharedtest.Missing(t, "the Codemagic fixtures are not next to the repository: %v", err)
	}
	var doc struct {
		Attributes struct {
			ProfileContent string `json:"profileContent"`
		} `json:"attributes"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	data, err := base64.StdEncoding.DecodeString(doc.Attributes.ProfileContent)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestDecodeRealAppleProfile(t *testing.T) {
	data := codemagicProfile(t)
	p, err := provision.Decode(data, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if p.UUID != "55b8fdb4-b7d2-402d-b48b-2523f7b9c384" || p.Name != "test profile" || p.TeamIdentifier != "X8NNQ9CYL2" ||
		p.BundleIdentifier != "io.codemagic.capybara" || p.Kind != provision.KindDevelopment || p.Platform != "iOS" {
		t.Errorf("profile = %+v", p)
	}
	if !p.CreationDate.Equal(time.Date(2019, 11, 29, 13, 56, 50, 0, time.UTC)) || !p.ExpirationDate.Equal(time.Date(2020, 11, 28, 13, 56, 50, 0, time.UTC)) || !p.Expired {
		t.Errorf("dates: created %v, expires %v, expired %v", p.CreationDate, p.ExpirationDate, p.Expired)
	}
	if len(p.Devices) != 2 || len(p.Certificates) != 1 || p.Entitlements["get-task-allow"] != true {
		t.Errorf("devices %v, certificates %+v, entitlements %v", p.Devices, p.Certificates, p.Entitlements)
	}
	c := p.Certificates[0]
	if c.CommonName == "" || c.SerialNumber == "" || len(c.SHA1) != 40 || c.ExpirationDate.IsZero() || len(c.SPKI) != 64 {
		t.Errorf("certificate = %+v", c)
	}
	if !p.SignatureValid || !p.SignerClaimsApple {
		t.Errorf("Apple's own profile: signatureValid %v, signerClaimsApple %v", p.SignatureValid, p.SignerClaimsApple)
	}

	// One altered byte of the content breaks the signature but not the
	// reading.
	i := bytes.Index(data, []byte("test profile"))
	altered := bytes.Clone(data)
	altered[i] = 'b'
	q, err := provision.Decode(altered, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if q.SignatureValid || q.Name != "best profile" {
		t.Errorf("altered profile: signatureValid %v, name %q", q.SignatureValid, q.Name)
	}
}

// TestDecodeSandboxProfiles decodes every kind of profile the sandbox makes
// and checks each field against what the sandbox holds.
func TestDecodeSandboxProfiles(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 3, Certificates: 30, Profiles: 120, BundleIDs: 20, Devices: 30})
	now := time.Now()
	kinds := map[string]bool{}
	for _, listed := range srv.Profiles() {
		info, err := srv.Profile(listed.ID)
		if err != nil {
			t.Fatal(err)
		}
		p, err := provision.Decode(info.Content, now)
		if err != nil {
			t.Fatalf("%s: %v", info.ProfileType, err)
		}
		if !strings.EqualFold(p.UUID, info.UUID) || p.Name != info.Name || p.BundleIdentifier != info.BundleIdentifier ||
			!p.ExpirationDate.Equal(info.ExpirationDate.UTC().Truncate(time.Second)) || p.Expired != !now.Before(p.ExpirationDate) {
			t.Errorf("%s: decoded %+v, sandbox %+v", info.ProfileType, p, info)
		}
		if len(p.Certificates) != len(info.CertificateIDs) || len(p.Devices) != len(info.DeviceIDs) {
			t.Errorf("%s: %d certificates and %d devices, sandbox %d and %d", info.ProfileType, len(p.Certificates), len(p.Devices), len(info.CertificateIDs), len(info.DeviceIDs))
		}
		// The sandbox signs with its own CA, which imitates Apple's names:
		// the signature verifies and the signer claims Apple, which is why
		// the claim is only a claim.
		if !p.SignatureValid || !p.SignerClaimsApple {
			t.Errorf("%s: signatureValid %v, signerClaimsApple %v", info.ProfileType, p.SignatureValid, p.SignerClaimsApple)
		}
		if want := wantKind(info.ProfileType); p.Kind != want {
			t.Errorf("%s: kind %q, want %q", info.ProfileType, p.Kind, want)
		}
		kinds[p.Kind] = true
	}
	for _, k := range []string{provision.KindDevelopment, provision.KindAdHoc, provision.KindAppStore, provision.KindInHouse, provision.KindDeveloperID} {
		if !kinds[k] {
			t.Errorf("no sandbox profile decoded as %s", k)
		}
	}
}

func wantKind(profileType string) string {
	switch {
	case strings.HasSuffix(profileType, "_DEVELOPMENT"):
		return provision.KindDevelopment
	case strings.HasSuffix(profileType, "_ADHOC"):
		return provision.KindAdHoc
	case strings.HasSuffix(profileType, "_INHOUSE") && strings.HasPrefix(profileType, "MAC_"):
		return provision.KindAppStore // the sandbox's Mac in-house quirk: distribution certificates, no devices
	case strings.HasSuffix(profileType, "_INHOUSE"):
		return provision.KindInHouse
	case strings.HasSuffix(profileType, "_DIRECT"):
		return provision.KindDeveloperID
	}
	return provision.KindAppStore
}

// TestDecodeHostile: each hostile input gets an ErrNotProfile with a message
// that says what is wrong, and nothing panics.
func TestDecodeHostile(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 3, Profiles: 5, Certificates: 5, BundleIDs: 3, Devices: 3})
	info, err := srv.Profile(srv.ProfileIDs()[0])
	if err != nil {
		t.Fatal(err)
	}
	deep := "<?xml version=\"1.0\"?><plist><dict><key>UUID</key><string>x</string><key>E</key>" + strings.Repeat("<array>", 100000) + strings.Repeat("</array>", 100000) + "</dict></plist>"
	huge := "<?xml version=\"1.0\"?><plist><dict><key>Name</key><string>" + strings.Repeat("A", 1<<20) + "</string></dict></plist>"
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not CMS signed data"},
		{"text", []byte("hello"), "not CMS signed data"},
		{"truncated CMS", info.Content[:len(info.Content)/2], "not CMS signed data"},
		{"too large", make([]byte, provision.MaxFileSize+1), "MiB"},
		{"deep nesting", signed(t, []byte(deep)), "levels deep"},
		{"huge string", signed(t, []byte(huge)), "KiB"},
		{"binary plist", signed(t, []byte("bplist00\xd1\x01\x02")), "not an XML property list"},
		{"UUID with a path", signed(t, plistWith("../../etc/x", "n")), "not a UUID"},
		{"UUID with a bidi override", signed(t, plistWith("\u202e1234", "n")), `\u202e`},
		{"no UUID", signed(t, []byte(`<?xml version="1.0"?><plist><dict><key>Name</key><string>n</string></dict></plist>`)), "not a UUID"},
		{"not XML", signed(t, []byte("<?xml <<<")), "not well-formed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := provision.Decode(c.data, time.Now())
			if !errors.Is(err, provision.ErrNotProfile) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrNotProfile saying %q", err, c.want)
			}
			if strings.ContainsAny(err.Error(), "\x1b\x07\n") || len(err.Error()) > 500 {
				t.Errorf("the message is not one short safe line: %q", err)
			}
		})
	}

	// A hostile Name is only shown, made safe: the file is named by the UUID.
	p, err := provision.Decode(signed(t, plistWith("55B8FDB4-B7D2-402D-B48B-2523F7B9C384", "../../\x1b[2Jevil\u202e")), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(p.Name, "\x1b\u202e") {
		t.Errorf("name %q is not safe to print", p.Name)
	}
	// Signed by a certificate of no one in particular: valid, not Apple.
	if !p.SignatureValid || p.SignerClaimsApple {
		t.Errorf("self-signed profile: signatureValid %v, signerClaimsApple %v", p.SignatureValid, p.SignerClaimsApple)
	}
}
