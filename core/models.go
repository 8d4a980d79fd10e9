package core

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// The models keep Apple's attribute names as JSON tags, plus "id", so that the
// command line's --json output reads like App Store Connect's own. Enumerated
// values stay strings: Apple sends values its spec does not list
// (MAC_APP_INHOUSE, platform MAC_OS_X), and they must survive untouched. The
// *Label functions turn them into words.

// Certificate is a signing certificate as listed by App Store Connect, without
// its content.
type Certificate struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	DisplayName     string `json:"displayName"`
	CertificateType string `json:"certificateType"`
	Platform        string `json:"platform"`
	SerialNumber    string `json:"serialNumber"`
	ExpirationDate  Time   `json:"expirationDate"`
	// Activated is nil when Apple did not say.
	Activated *bool `json:"activated"`
}

// Label is how a certificate is named to people, in the window and the
// command line alike: Apple's name ("Apple Distribution: Example Corp
// (A1B2C3D4E5)"), else its display name.
func (c Certificate) Label() string { return firstNonEmpty(c.Name, c.DisplayName) }

// Expiry is the certificate's expiry as of now, from its expirationDate.
func (c Certificate) Expiry(now time.Time) Expiry { return ExpiryOf(c.ExpirationDate.Time, now) }

// Profile is a provisioning profile as listed by App Store Connect, without its
// content, with its bundle ID and the number of its certificates and devices.
type Profile struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Platform       string `json:"platform"`
	ProfileType    string `json:"profileType"`
	ProfileState   string `json:"profileState"`
	UUID           string `json:"uuid"`
	CreatedDate    Time   `json:"createdDate"`
	ExpirationDate Time   `json:"expirationDate"`
	// BundleIDID is the App Store Connect id of the profile's bundle ID
	// resource; BundleIdentifier is its identifier ("com.example.app").
	BundleIDID       string `json:"bundleIdId"`
	BundleIdentifier string `json:"bundleIdentifier"`
	// CertificateCount and DeviceCount are the numbers of certificates and
	// devices in the profile.
	CertificateCount int `json:"certificateCount"`
	DeviceCount      int `json:"deviceCount"`
	// CertificateIDs and DeviceIDs are the ids of all its certificates and
	// devices: what revoking a certificate affects, and what a profile made
	// again must include.
	CertificateIDs []string `json:"certificateIds"`
	DeviceIDs      []string `json:"deviceIds"`
}

// Expiry is the profile's expiry as of now, from its expirationDate; the
// profileState Apple reports is not trusted for this.
func (p Profile) Expiry(now time.Time) Expiry { return ExpiryOf(p.ExpirationDate.Time, now) }

// BundleID is an app identifier registered with Apple.
type BundleID struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Identifier string `json:"identifier"`
	Platform   string `json:"platform"`
	SeedID     string `json:"seedId"`
}

// Device is a device registered for development and ad hoc distribution.
type Device struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	UDID        string `json:"udid"`
	DeviceClass string `json:"deviceClass"`
	Model       string `json:"model"`
	Platform    string `json:"platform"`
	Status      string `json:"status"`
	AddedDate   Time   `json:"addedDate"`
}

// What App Store Connect sends is made safe where it is decoded, so that
// neither the window nor the command line can forget it: every text that is
// only shown (names, types, platforms, states, identifiers, UDIDs, dates as
// sent) goes through SafeText. Values whose exact bytes matter are not
// altered but checked, and a page holding a bad one is refused as malformed:
// ids go into URLs and filters, a serial is compared with the downloaded
// certificate's, a UUID names the profile's file and is compared with the
// profile's own. Apple's are letters, digits and dashes, so only a broken or
// hostile server sends anything SafeText would change.

// checkExact refuses a value whose exact bytes matter (see above) when it
// holds anything SafeText would change.
func checkExact(what, field, v string) error {
	if isSafe(v) {
		return nil
	}
	return fmt.Errorf("App Store Connect sent %s whose %s \"%s\" is malformed (it holds control or invisible characters): "+
		"refusing the list, since the %s cannot be used as it is; try again later, and report it to Apple if it persists",
		what, field, SafeText(v), field)
}

// safeTexts applies SafeText to each string in place.
func safeTexts(ss ...*string) {
	for _, s := range ss {
		*s = SafeText(*s)
	}
}

func (c *Certificate) clean() error {
	if err := cmp.Or(checkExact("a certificate", "id", c.ID), checkExact("a certificate", "serial number", c.SerialNumber)); err != nil {
		return err
	}
	safeTexts(&c.Name, &c.DisplayName, &c.CertificateType, &c.Platform)
	return nil
}

func (p *Profile) clean() error {
	if err := cmp.Or(checkExact("a profile", "id", p.ID), checkExact("a profile", "UUID", p.UUID),
		checkExact("a profile", "bundle ID's id", p.BundleIDID)); err != nil {
		return err
	}
	for _, id := range append(slices.Clip(p.CertificateIDs), p.DeviceIDs...) {
		if err := checkExact("a profile", "certificate or device id", id); err != nil {
			return err
		}
	}
	safeTexts(&p.Name, &p.Platform, &p.ProfileType, &p.ProfileState, &p.BundleIdentifier)
	return nil
}

func (b *BundleID) clean() error {
	if err := checkExact("a bundle ID", "id", b.ID); err != nil {
		return err
	}
	safeTexts(&b.Name, &b.Identifier, &b.Platform, &b.SeedID)
	return nil
}

func (d *Device) clean() error {
	if err := checkExact("a device", "id", d.ID); err != nil {
		return err
	}
	safeTexts(&d.Name, &d.UDID, &d.DeviceClass, &d.Model, &d.Platform, &d.Status)
	return nil
}
