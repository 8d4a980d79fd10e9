// Package core is the domain of ASC Keys: App Store Connect credentials, ES256
// tokens, the API client, models and labels, and downloads to disk. It never
// imports Fyne.
package core

import (
	"crypto/ecdsa"
	"fmt"
)

// AppID is the application identifier. It names the keychain service too.
const AppID = "io.asckeys.app"

// AppName is the name people see.
const AppName = "ASC Keys"

// Version is the program version, reported in the User-Agent.
var Version = "0.1.0"

// KeyKind says which program an API key belongs to. Nothing inside a .p8 tells
// this: the user chooses it.
type KeyKind string

// The three kinds of App Store Connect API key.
const (
	KindTeam       KeyKind = "team"
	KindIndividual KeyKind = "individual"
	KindEnterprise KeyKind = "enterprise"
)

// Kinds lists every kind, in the order a person would pick them.
var Kinds = []KeyKind{KindTeam, KindIndividual, KindEnterprise}

// Label is the kind as shown to people.
func (k KeyKind) Label() string {
	switch k {
	case KindIndividual:
		return "Individual"
	case KindEnterprise:
		return "Enterprise"
	default:
		return "Team"
	}
}

// Audience is the JWT "aud" Apple expects for this kind.
func (k KeyKind) Audience() string {
	if k == KindEnterprise {
		return "apple-developer-enterprise-v1"
	}
	return "appstoreconnect-v1"
}

// BaseURL is Apple's API root for this kind, without a trailing slash.
func (k KeyKind) BaseURL() string {
	if k == KindEnterprise {
		return "https://api.enterprise.developer.apple.com"
	}
	return "https://api.appstoreconnect.apple.com"
}

// HasIssuer reports whether keys of this kind carry an Issuer ID.
func (k KeyKind) HasIssuer() bool { return k != KindIndividual }

// CanProvision reports whether Apple lets keys of this kind use the
// provisioning endpoints (certificates, profiles, bundle IDs, devices).
func (k KeyKind) CanProvision() bool { return k != KindIndividual }

// Credentials are what a request to App Store Connect is signed with. The
// private key never appears in String or %v output.
type Credentials struct {
	KeyID      string
	IssuerID   string // empty for individual keys
	Kind       KeyKind
	PrivateKey *ecdsa.PrivateKey
}

// String describes the credentials without the private key.
func (c Credentials) String() string {
	return fmt.Sprintf("Credentials{KeyID: %s, IssuerID: %s, Kind: %s, PrivateKey: [redacted]}", c.KeyID, c.IssuerID, c.Kind)
}

// GoString keeps %#v from printing the private key.
func (c Credentials) GoString() string { return c.String() }

// Format makes every verb (%v, %+v, %s, %#v, ...) print the redacted form, so
// the private key cannot leak through fmt.
func (c Credentials) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }
