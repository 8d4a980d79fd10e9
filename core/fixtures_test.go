package core

import (
	"encoding/json"
	"strings"
	"testing"
)

// The captured Apple documents of fastlane's and Codemagic's test suites
// decode into the models through the same code the lists use, keeping odd
// dates and enums as Apple sent them.

func decodeFixtureList[A, T any](t *testing.T, data []byte, convert func(*resource[A], included) (T, error)) []T {
	t.Helper()
	var doc listDocument[A]
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	idx := indexIncluded(doc.Included)
	var out []T
	for i := range doc.Data {
		item, err := convert(&doc.Data[i], idx)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, item)
	}
	return out
}

func decodeFixtureResource[A any](t *testing.T, data []byte) resource[A] {
	t.Helper()
	var r resource[A]
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestFastlaneFixtures(t *testing.T) {
	certs := decodeFixtureList(t, readFixture(t, "fastlane", "certificates.json"), certificateFromResource)
	// meta.paging.total says 4; all 5 items count.
	if len(certs) != 5 {
		t.Fatalf("%d certificates, want 5", len(certs))
	}
	var macOSX bool
	for _, c := range certs {
		if c.ID == "" || c.SerialNumber == "" || c.ExpirationDate.IsZero() || !strings.HasSuffix(c.ExpirationDate.Raw, "+0000") {
			t.Errorf("certificate %+v", c)
		}
		macOSX = macOSX || c.Platform == "MAC_OS_X"
	}
	if !macOSX {
		t.Error("the MAC_OS_X platform was not kept")
	}
	if c := certs[1]; c.CertificateType != "IOS_DISTRIBUTION" || CertificateTypeLabel(c.CertificateType) != "iOS Distribution" ||
		c.ExpirationDate.UTC().Format("2006-01-02 15:04:05") != "2020-02-01 20:52:43" {
		t.Errorf("second certificate = %+v", c)
	}

	profiles := decodeFixtureList(t, readFixture(t, "fastlane", "profiles.json"), profileFromResource)
	if len(profiles) != 2 || profiles[0].ProfileType != "IOS_APP_STORE" || profiles[1].ProfileState != "INVALID" ||
		profiles[0].CreatedDate.Year() != 2019 || profiles[0].UUID != "7ecd2cf1-3eb1-48b5-94e3-eb60eeaf5ad6" {
		t.Errorf("profiles = %+v", profiles)
	}

	bids := decodeFixtureList(t, readFixture(t, "fastlane", "bundle_ids.json"), bundleIDFromResource)
	if len(bids) != 2 || bids[0].Identifier != "com.joshholtz.FastlaneApp" || bids[0].SeedID != "972KS36P2U" || bids[0].Platform != "IOS" {
		t.Errorf("bundle IDs = %+v", bids)
	}

	devs := decodeFixtureList(t, readFixture(t, "fastlane", "devices.json"), deviceFromResource)
	if len(devs) != 3 || devs[2].DeviceClass != "APPLE_TV" || devs[1].Status != "DISABLED" || devs[0].AddedDate.Year() != 2018 {
		t.Errorf("devices = %+v", devs)
	}
}

func TestCodemagicFixtures(t *testing.T) {
	c := decodeFixtureResource[Certificate](t, readFixture(t, "codemagic", "certificate.json"))
	if c.ID != "32R6CKZDXN" || c.Attributes.SerialNumber != "E1F6136D44155670" || c.Attributes.ExpirationDate.Month() != 2 {
		t.Errorf("certificate = %+v", c)
	}

	p := decodeFixtureResource[Profile](t, readFixture(t, "codemagic", "profile.json"))
	prof, err := profileFromResource(&p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if prof.UUID != "55b8fdb4-b7d2-402d-b48b-2523f7b9c384" || prof.CreatedDate.Raw != "2019-11-29T13:56:50.220+0000" ||
		prof.CreatedDate.Nanosecond() != 220_000_000 || prof.CertificateCount != 1 || prof.DeviceCount != 2 {
		t.Errorf("profile = %+v", prof)
	}

	// Its profileContent is a real Apple profile: CMS around a plist whose
	// UUID is the listed one.
	var withContent resource[struct {
		ProfileContent string `json:"profileContent"`
	}]
	json.Unmarshal(readFixture(t, "codemagic", "profile.json"), &withContent)
	raw, err := decodeContent(withContent.Attributes.ProfileContent)
	if err != nil {
		t.Fatal(err)
	}
	info, err := ParseProfile(raw)
	if err != nil || info.UUID != prof.UUID || info.Name != "test profile" || len(info.TeamIdentifier) != 1 {
		t.Errorf("ParseProfile = %+v, %v", info, err)
	}

	b := decodeFixtureResource[BundleID](t, readFixture(t, "codemagic", "bundle_id.json"))
	if b.Attributes.Identifier != "io.codemagic.banaan" || b.Attributes.SeedID != "X8NNQ9CYL2" {
		t.Errorf("bundle ID = %+v", b)
	}
	d := decodeFixtureResource[Device](t, readFixture(t, "codemagic", "device.json"))
	if d.Attributes.Status != "DISABLED" || d.Attributes.AddedDate.Year() != 2019 || DeviceClassLabel(d.Attributes.DeviceClass) != "iPhone" {
		t.Errorf("device = %+v", d)
	}

	// --json output keeps Apple's date text.
	out, _ := json.Marshal(prof)
	if !strings.Contains(string(out), `"createdDate":"2019-11-29T13:56:50.220+0000"`) || !strings.Contains(string(out), `"certificateCount":1`) {
		t.Errorf("JSON = %s", out)
	}
}
