package core

import (
	"fmt"
	"time"
)

// noValue is what a label shows for a value Apple left empty or null.
const noValue = "—"

// labelOf looks s up in table; unknown values are shown as Apple sent them,
// since Apple uses values its spec does not list.
func labelOf(s string, tables ...[]enumLabel) string {
	if s == "" {
		return noValue
	}
	for _, table := range tables {
		for _, e := range table {
			if e.value == s {
				return e.label
			}
		}
	}
	return s
}

// enumLabel is one known value and its label.
type enumLabel struct{ value, label string }

func valuesOf(table []enumLabel) []string {
	out := make([]string, 0, len(table))
	for _, e := range table {
		out = append(out, e.value)
	}
	return out
}

// certificateTypes are the 18 values of Apple's spec 4.4.1.
var certificateTypes = []enumLabel{
	{"DISTRIBUTION", "Apple Distribution"},
	{"DEVELOPMENT", "Apple Development"},
	{"IOS_DISTRIBUTION", "iOS Distribution"},
	{"IOS_DEVELOPMENT", "iOS Development"},
	{"MAC_APP_DISTRIBUTION", "Mac App Distribution"},
	{"MAC_INSTALLER_DISTRIBUTION", "Mac Installer Distribution"},
	{"MAC_APP_DEVELOPMENT", "Mac Development"},
	{"DEVELOPER_ID_APPLICATION", "Developer ID Application"},
	{"DEVELOPER_ID_APPLICATION_G2", "Developer ID Application (G2)"},
	{"DEVELOPER_ID_KEXT", "Developer ID Kernel Extension"},
	{"DEVELOPER_ID_KEXT_G2", "Developer ID Kernel Extension (G2)"},
	{"PASS_TYPE_ID", "Pass Type ID"},
	{"PASS_TYPE_ID_WITH_NFC", "Pass Type ID with NFC"},
	{"APPLE_PAY", "Apple Pay Payment Processing"},
	{"APPLE_PAY_RSA", "Apple Pay Payment Processing (RSA)"},
	{"APPLE_PAY_MERCHANT_IDENTITY", "Apple Pay Merchant Identity"},
	{"APPLE_PAY_PSP_IDENTITY", "Apple Pay Payment Service Provider Identity"},
	{"IDENTITY_ACCESS", "Identity Access"},
}

// wildCertificateTypes are not in the spec; fastlane lists this one ("only
// available with Apple ID auth").
var wildCertificateTypes = []enumLabel{
	{"DEVELOPER_ID_INSTALLER", "Developer ID Installer"},
}

// profileTypes are the 14 values of Apple's spec 4.4.1.
var profileTypes = []enumLabel{
	{"IOS_APP_DEVELOPMENT", "iOS Development"},
	{"IOS_APP_ADHOC", "iOS Ad Hoc"},
	{"IOS_APP_STORE", "iOS App Store"},
	{"IOS_APP_INHOUSE", "iOS In House"},
	{"MAC_APP_DEVELOPMENT", "Mac Development"},
	{"MAC_APP_STORE", "Mac App Store"},
	{"MAC_APP_DIRECT", "Developer ID"},
	{"TVOS_APP_DEVELOPMENT", "tvOS Development"},
	{"TVOS_APP_ADHOC", "tvOS Ad Hoc"},
	{"TVOS_APP_STORE", "tvOS App Store"},
	{"TVOS_APP_INHOUSE", "tvOS In House"},
	{"MAC_CATALYST_APP_DEVELOPMENT", "Mac Catalyst Development"},
	{"MAC_CATALYST_APP_STORE", "Mac Catalyst App Store"},
	{"MAC_CATALYST_APP_DIRECT", "Mac Catalyst Developer ID"},
}

// wildProfileTypes are not in the spec; fastlane lists them.
var wildProfileTypes = []enumLabel{
	{"MAC_APP_INHOUSE", "Mac In House"},
	{"MAC_CATALYST_APP_INHOUSE", "Mac Catalyst In House"},
}

var platforms = []enumLabel{
	{"IOS", "iOS"},
	{"MAC_OS", "macOS"},
	{"UNIVERSAL", "Universal"},
	{"SERVICES", "Services"},
	// Seen on certificates from the developer portal.
	{"MAC_OS_X", "macOS"},
	// The app-level platforms, in case they reach a provisioning item.
	{"TV_OS", "tvOS"},
	{"VISION_OS", "visionOS"},
	{"WATCH_OS", "watchOS"},
}

var deviceClasses = []enumLabel{
	{"IPHONE", "iPhone"},
	{"IPAD", "iPad"},
	{"IPOD", "iPod touch"},
	{"APPLE_WATCH", "Apple Watch"},
	{"APPLE_TV", "Apple TV"},
	{"APPLE_VISION_PRO", "Apple Vision Pro"},
	{"MAC", "Mac"},
}

var deviceStatuses = []enumLabel{
	{"ENABLED", "Enabled"},
	{"DISABLED", "Disabled"},
}

var profileStates = []enumLabel{
	{"ACTIVE", "Active"},
	{"INVALID", "Invalid"},
	// Not in the spec, but Apple sends it.
	{"EXPIRED", "Expired"},
}

// CertificateTypeLabel names a certificate type as Apple's web pages do:
// "Apple Distribution" for DISTRIBUTION. Unknown types are returned as they
// are; an empty one is "—".
func CertificateTypeLabel(s string) string { return labelOf(s, certificateTypes, wildCertificateTypes) }

// ProfileTypeLabel names a profile type: "iOS App Store" for IOS_APP_STORE,
// "Developer ID" for MAC_APP_DIRECT. Unknown types are returned as they are.
func ProfileTypeLabel(s string) string { return labelOf(s, profileTypes, wildProfileTypes) }

// ProfileStateLabel names a profile state ("Active", "Invalid"). Apple's
// state does not say whether a profile expired: see Profile.Expiry.
func ProfileStateLabel(s string) string { return labelOf(s, profileStates) }

// PlatformLabel names a platform: IOS is "iOS", MAC_OS and MAC_OS_X are
// "macOS", an empty platform is "—".
func PlatformLabel(s string) string { return labelOf(s, platforms) }

// DeviceClassLabel names a device class: IPHONE is "iPhone".
func DeviceClassLabel(s string) string { return labelOf(s, deviceClasses) }

// DeviceStatusLabel names a device status: ENABLED is "Enabled".
func DeviceStatusLabel(s string) string { return labelOf(s, deviceStatuses) }

// CertificateTypes lists the certificate types of Apple's spec, for filters.
func CertificateTypes() []string { return valuesOf(certificateTypes) }

// ProfileTypes lists the profile types of Apple's spec, for filters.
func ProfileTypes() []string { return valuesOf(profileTypes) }

// ExpiryState says where an item stands with its expiry date.
type ExpiryState int

// The expiry states.
const (
	// ExpiryUnknown: Apple gave no readable expiry date.
	ExpiryUnknown ExpiryState = iota
	// ExpiryValid: more than ExpiringSoonDays days left.
	ExpiryValid
	// ExpiryExpiringSoon: not expired, ExpiringSoonDays days left or fewer.
	ExpiryExpiringSoon
	// ExpiryExpired: the expiry date has passed.
	ExpiryExpired
)

// ExpiringSoonDays is how close to its expiry an item is flagged.
const ExpiringSoonDays = 30

// String names the state.
func (s ExpiryState) String() string {
	switch s {
	case ExpiryValid:
		return "valid"
	case ExpiryExpiringSoon:
		return "expiring soon"
	case ExpiryExpired:
		return "expired"
	}
	return "unknown"
}

// Expiry is an item's expiry as of some moment.
type Expiry struct {
	State ExpiryState
	// DaysLeft counts calendar days, in the time zone of the moment asked
	// about, from that day to the expiry day: 0 is today, negative is past.
	DaysLeft int
	// Label reads "in 23 days", "in 1 day", "expires today", "expired",
	// "expired 3 days ago", or "unknown".
	Label string
}

// ExpiryOf says how exp stands at now. An item expires at the exact moment
// exp; days are counted between calendar days in now's time zone, so
// something expiring tonight "expires today". A zero exp is ExpiryUnknown.
func ExpiryOf(exp, now time.Time) Expiry {
	if exp.IsZero() {
		return Expiry{State: ExpiryUnknown, Label: "unknown"}
	}
	days := calendarDays(now, exp.In(now.Location()))
	if !exp.After(now) {
		e := Expiry{State: ExpiryExpired, DaysLeft: days}
		switch {
		case days >= 0: // earlier today
			e.Label = "expired"
		case days == -1:
			e.Label = "expired 1 day ago"
		default:
			e.Label = fmt.Sprintf("expired %d days ago", -days)
		}
		return e
	}
	e := Expiry{State: ExpiryValid, DaysLeft: days}
	if days <= ExpiringSoonDays {
		e.State = ExpiryExpiringSoon
	}
	switch days {
	case 0:
		e.Label = "expires today"
	case 1:
		e.Label = "in 1 day"
	default:
		e.Label = fmt.Sprintf("in %d days", days)
	}
	return e
}

// calendarDays counts the calendar days from a's date to b's date. Dates are
// rebuilt at UTC midnight so that daylight-saving changes do not shift them.
func calendarDays(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	da := time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)
	db := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da) / (24 * time.Hour))
}
