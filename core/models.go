package core

import "time"

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
