package core

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Apple's rules for writes, each with one owner here, checked before any
// request so that a refusal says what to do instead of showing Apple's 409.
// They are pure functions: no network, no state. Sources: APPLE-API.md
// ("Writing"), which collects Apple's documentation and what fastlane,
// Codemagic and their users learned.

// profileCertificateTypes are the certificate types that fit each profile
// type (what fastlane and Codemagic use). A profile type missing here is one
// Apple's spec does not list (MAC_APP_INHOUSE): no rule is known for it.
var profileCertificateTypes = map[string][]string{
	"IOS_APP_DEVELOPMENT":          {"DEVELOPMENT", "IOS_DEVELOPMENT"},
	"TVOS_APP_DEVELOPMENT":         {"DEVELOPMENT", "IOS_DEVELOPMENT"},
	"IOS_APP_STORE":                {"DISTRIBUTION", "IOS_DISTRIBUTION"},
	"TVOS_APP_STORE":               {"DISTRIBUTION", "IOS_DISTRIBUTION"},
	"IOS_APP_ADHOC":                {"DISTRIBUTION", "IOS_DISTRIBUTION"},
	"TVOS_APP_ADHOC":               {"DISTRIBUTION", "IOS_DISTRIBUTION"},
	"IOS_APP_INHOUSE":              {"IOS_DISTRIBUTION", "DISTRIBUTION"},
	"TVOS_APP_INHOUSE":             {"IOS_DISTRIBUTION", "DISTRIBUTION"},
	"MAC_APP_DEVELOPMENT":          {"DEVELOPMENT", "MAC_APP_DEVELOPMENT"},
	"MAC_CATALYST_APP_DEVELOPMENT": {"DEVELOPMENT", "MAC_APP_DEVELOPMENT"},
	"MAC_APP_STORE":                {"DISTRIBUTION", "MAC_APP_DISTRIBUTION"},
	"MAC_CATALYST_APP_STORE":       {"DISTRIBUTION", "MAC_APP_DISTRIBUTION"},
	"MAC_APP_DIRECT":               {"DEVELOPER_ID_APPLICATION", "DEVELOPER_ID_APPLICATION_G2"},
	"MAC_CATALYST_APP_DIRECT":      {"DEVELOPER_ID_APPLICATION", "DEVELOPER_ID_APPLICATION_G2"},
}

// CertificateTypesForProfile returns the certificate types a profile of type
// profileType may include, or nil for a profile type with no known rule.
func CertificateTypesForProfile(profileType string) []string {
	return slices.Clone(profileCertificateTypes[profileType])
}

// CheckProfileType refuses a profile type Apple's API cannot create: one
// outside its spec (MAC_APP_INHOUSE, seen in lists, is one).
func CheckProfileType(profileType string) error {
	if _, ok := profileCertificateTypes[profileType]; !ok {
		return fmt.Errorf("%q is not a profile type Apple's API creates: choose one of %s",
			shortText(profileType, 40), strings.Join(ProfileTypes(), ", "))
	}
	return nil
}

// CheckCertificateFitsProfile refuses a certificate whose type a profile of
// profileType cannot include.
func CheckCertificateFitsProfile(profileType, certificateType string) error {
	if err := CheckProfileType(profileType); err != nil {
		return err
	}
	fit := profileCertificateTypes[profileType]
	if !slices.Contains(fit, certificateType) {
		return fmt.Errorf("a %s certificate (%s) cannot sign %s profiles: choose a certificate of type %s",
			CertificateTypeLabel(certificateType), certificateType, ProfileTypeLabel(profileType), strings.Join(fit, " or "))
	}
	return nil
}

// ProfileTakesDevices reports whether profiles of profileType list devices:
// development and ad hoc profiles must, store, in-house and Developer ID
// (direct) profiles must not.
func ProfileTakesDevices(profileType string) bool {
	return strings.HasSuffix(profileType, "_DEVELOPMENT") || strings.HasSuffix(profileType, "_ADHOC")
}

// CheckProfileDevices refuses a device count that Apple would refuse for a
// profile of profileType (409 "The relationship 'devices' is required" or
// ENTITY_ERROR.RELATIONSHIP.NOT_ALLOWED).
func CheckProfileDevices(profileType string, devices int) error {
	takes := ProfileTakesDevices(profileType)
	switch {
	case takes && devices == 0:
		return fmt.Errorf("%s profiles must list at least one device: register a device first, or choose the devices to include",
			ProfileTypeLabel(profileType))
	case !takes && devices > 0:
		return fmt.Errorf("%s profiles cannot list devices (they work on every device): leave the devices out",
			ProfileTypeLabel(profileType))
	}
	return nil
}

// MaxProfileNameRunes caps a profile's name. Apple documents no limit, but
// long names are reported to make it answer 500; 100 characters are more than
// any naming scheme seen in fastlane or Xcode uses.
const MaxProfileNameRunes = 100

// CheckProfileName refuses a profile name Apple would refuse or choke on:
// empty, longer than MaxProfileNameRunes, or holding control characters.
func CheckProfileName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return errors.New("the profile needs a name: give one, for example the bundle ID and the profile type")
	case !utf8.ValidString(name):
		return errors.New("the profile name is not valid UTF-8 text: type it again")
	case utf8.RuneCountInString(name) > MaxProfileNameRunes:
		return fmt.Errorf("the profile name is %d characters long: shorten it to at most %d (Apple fails on long names)",
			utf8.RuneCountInString(name), MaxProfileNameRunes)
	case strings.ContainsFunc(name, unicode.IsControl):
		return errors.New("the profile name contains control characters (a tab or line break): remove them")
	}
	return nil
}

// certificateTypesNeedingRelationships are created with a merchant or pass
// type ID, which Certificates.Create does not send.
var certificateTypesNeedingRelationships = []string{
	"APPLE_PAY", "APPLE_PAY_MERCHANT_IDENTITY", "APPLE_PAY_PSP_IDENTITY", "APPLE_PAY_RSA",
	"PASS_TYPE_ID", "PASS_TYPE_ID_WITH_NFC",
}

// CheckCertificateCreatable refuses, before a CSR is made, certificate types
// that cannot be created here: Developer ID types (Apple: only the Account
// Holder, on the website or in Xcode; DEVELOPER_ID_INSTALLER only with an
// Apple ID), push certificates (not offered to API keys), Apple Pay and pass
// types, which need a merchant or pass type ID, and values outside Apple's
// spec.
func CheckCertificateCreatable(certificateType string) error {
	if strings.TrimSpace(certificateType) == "" {
		return errors.New("choose a certificate type, for example DEVELOPMENT or DISTRIBUTION")
	}
	if err := certificateTypeRefusal(certificateType); err != nil {
		return err
	}
	if !slices.Contains(CertificateTypes(), certificateType) {
		return fmt.Errorf("%q is not a certificate type Apple's API creates: choose one of %s",
			shortText(certificateType, 40), strings.Join(CreatableCertificateTypes(), ", "))
	}
	return nil
}

// CreatableCertificateTypes are the types of Apple's spec that
// CheckCertificateCreatable lets through.
func CreatableCertificateTypes() []string {
	var out []string
	for _, t := range CertificateTypes() {
		if certificateTypeRefusal(t) == nil {
			out = append(out, t)
		}
	}
	return out
}

// certificateTypeRefusal is the reason a kind of certificate cannot be
// created with an API key, whatever the spelling of its type.
func certificateTypeRefusal(certificateType string) error {
	t := strings.ToUpper(strings.TrimSpace(certificateType))
	switch {
	case strings.HasPrefix(t, "DEVELOPER_ID"):
		return fmt.Errorf("%s certificates can only be created by the Account Holder on Apple's website or in Xcode, not with an API key: "+
			"create it there, then import it here", CertificateTypeLabel(t))
	case strings.Contains(t, "PUSH") || strings.HasPrefix(t, "APS") || strings.Contains(t, "APNS"):
		return errors.New("push notification certificates cannot be created with an API key: " +
			"create one on Apple's website, or use an APNs authentication key (.p8) instead")
	case slices.Contains(certificateTypesNeedingRelationships, t):
		return fmt.Errorf("%s certificates belong to a merchant or pass type ID: create them on Apple's website",
			CertificateTypeLabel(t))
	}
	return nil
}

// CheckProvisioningKey refuses keys that Apple does not let use the
// provisioning endpoints: individual keys.
func CheckProvisioningKey(kind KeyKind) error {
	if !kind.CanProvision() {
		return ErrIndividualKeyProvisioning
	}
	return nil
}

var (
	udidLegacy  = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)
	udidModern  = regexp.MustCompile(`^[0-9a-fA-F]{8}-?[0-9a-fA-F]{16}$`)
	udidMacUUID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// NormalizeUDID checks a device's UDID and returns it in the form Apple shows:
// 40 hex digits (older iPhones and iPads) in lower case; 8 + 16 hex digits
// (devices since 2018, and Apple silicon Macs) in upper case with the hyphen,
// which it adds when the UDID was pasted without; a Mac's UUID in upper case.
// Surrounding spaces and quotes are dropped.
func NormalizeUDID(udid string) (string, error) {
	u := strings.Trim(strings.TrimSpace(udid), `"'`)
	switch {
	case udidLegacy.MatchString(u):
		return strings.ToLower(u), nil
	case udidModern.MatchString(u):
		u = strings.ToUpper(strings.ReplaceAll(u, "-", ""))
		return u[:8] + "-" + u[8:], nil
	case udidMacUUID.MatchString(u):
		return strings.ToUpper(u), nil
	}
	return "", fmt.Errorf("%q is not a device UDID: expected 40 hex digits, 8 and 16 hex digits (00008030-001A35E11A88003A) "+
		"or a Mac's UUID; copy it from Finder, Xcode (Window > Devices and Simulators) or System Information", shortText(udid, 60))
}

// MaxBundleIdentifierLen is the longest bundle identifier Apple's developer
// website accepts.
const MaxBundleIdentifierLen = 155

// bundleIdentifier is reverse-DNS: parts of letters, digits and hyphens,
// separated by dots, optionally ending in ".*" (a wildcard App ID), or "*".
var bundleIdentifier = regexp.MustCompile(`^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?:\.\*)?|\*)$`)

// CheckBundleIdentifier refuses identifiers Apple would refuse: anything but
// letters, digits, hyphens and dots (no underscores, spaces or empty parts),
// or too long. A trailing "*" makes a wildcard App ID.
func CheckBundleIdentifier(identifier string) error {
	switch {
	case strings.TrimSpace(identifier) == "":
		return errors.New("the bundle identifier is empty: give one in reverse-DNS form, for example com.example.app")
	case len(identifier) > MaxBundleIdentifierLen:
		return fmt.Errorf("the bundle identifier is %d characters long: Apple allows at most %d", len(identifier), MaxBundleIdentifierLen)
	case !bundleIdentifier.MatchString(identifier):
		return fmt.Errorf("%q is not a bundle identifier Apple accepts: use letters, digits, hyphens and dots only, "+
			"in reverse-DNS form such as com.example.app (a wildcard ends in .*)", shortText(identifier, 80))
	}
	return nil
}

// devicePlatforms and bundleIDPlatforms are the platforms a device or a
// bundle ID may be registered for.
var (
	devicePlatforms   = []string{"IOS", "MAC_OS"}
	bundleIDPlatforms = []string{"IOS", "MAC_OS", "UNIVERSAL"}
)

// CheckDevicePlatform refuses a device platform other than IOS (iPhone, iPad,
// Apple TV, Apple Watch, Vision Pro) and MAC_OS.
func CheckDevicePlatform(platform string) error {
	return checkOneOf("device platform", platform, devicePlatforms)
}

// CheckBundleIDPlatform refuses a bundle ID platform other than IOS, MAC_OS
// and UNIVERSAL.
func CheckBundleIDPlatform(platform string) error {
	return checkOneOf("bundle ID platform", platform, bundleIDPlatforms)
}

// CheckDeviceStatus refuses a device status other than ENABLED and DISABLED.
func CheckDeviceStatus(status string) error {
	return checkOneOf("device status", status, []string{"ENABLED", "DISABLED"})
}

func checkOneOf(what, v string, allowed []string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return fmt.Errorf("%q is not a %s Apple accepts: use %s", shortText(v, 40), what, strings.Join(allowed, " or "))
}

// CertificateLimitError is Apple's 409 for a certificate type at its limit
// ("You already have a current Distribution certificate or a pending
// certificate request"). Apple sets the limits (reportedly 3 distribution
// certificates per team, 2 development per person): the answer, not a count
// kept here, says the limit is reached. Revoking one of the type's
// certificates makes room.
type CertificateLimitError struct {
	// Type is the certificate type that was asked for.
	Type string
	// Err is Apple's answer.
	Err *APIError
}

// Error names the type and says what to do.
func (e *CertificateLimitError) Error() string {
	return fmt.Sprintf("the team already has as many %s certificates (%s) as Apple allows: the limit is reached; "+
		"revoke one of them (revoked certificates may count until they expire) and try again",
		CertificateTypeLabel(e.Type), e.Type)
}

// Unwrap returns Apple's answer.
func (e *CertificateLimitError) Unwrap() error { return e.Err }

// certificateLimit turns Apple's 409 for a certificate type at its limit into
// a *CertificateLimitError; any other error comes back as it is.
func certificateLimit(certificateType string, err error) error {
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 409 {
		return err
	}
	for _, it := range apiErr.Errors {
		if strings.Contains(strings.ToLower(it.Title+" "+it.Detail), "you already have a current") {
			return &CertificateLimitError{Type: certificateType, Err: apiErr}
		}
	}
	return err
}

// ReportedCertificateLimit is the number of current certificates of
// certificateType Apple is reported to allow (APPLE-API.md, "Limits"): 3
// distribution certificates per team (2 in the Enterprise Program), 2
// development certificates per person; 0 when no limit is known. It is a hint
// for a person choosing a type: Apple's answer (CertificateLimitError) is what
// says a limit is reached.
func ReportedCertificateLimit(certificateType string, kind KeyKind) int {
	switch certificateType {
	case "DEVELOPMENT", "IOS_DEVELOPMENT", "MAC_APP_DEVELOPMENT":
		return 2
	case "DISTRIBUTION", "IOS_DISTRIBUTION", "MAC_APP_DISTRIBUTION", "MAC_INSTALLER_DISTRIBUTION":
		if kind == KindEnterprise {
			return 2
		}
		return 3
	}
	return 0
}

// CertificateLimitPerPerson reports whether Apple counts certificateType's
// limit per person rather than per team: development certificates.
func CertificateLimitPerPerson(certificateType string) bool {
	return ReportedCertificateLimit(certificateType, KindTeam) == 2 && strings.Contains(certificateType, "DEVELOPMENT")
}
