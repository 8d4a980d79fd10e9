package provision

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // Apple and Keychain Access identify certificates by SHA-1
	"crypto/x509"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/smallstep/pkcs7"
	"howett.net/plist"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/identity"
)

// MaxFileSize bounds a profile file. Real ones are a few KiB to a few
// hundred (a development profile with hundreds of devices); 4 MiB leaves room
// and keeps a hostile file from filling memory.
const MaxFileSize = 4 << 20

// Bounds on the property list, checked before it is decoded: Apple's nest
// four or five levels deep and their longest text is a certificate (a few
// KiB of base64).
const (
	maxDepth = 32
	maxText  = 256 << 10
)

// The kinds of profile, as the contract names them.
const (
	KindDevelopment = "development"
	KindAdHoc       = "adhoc"
	KindAppStore    = "appstore"
	KindInHouse     = "inhouse"
	KindDeveloperID = "developerid"
)

// KindLabel names a kind for people ("Ad Hoc"); an unknown kind is given
// back as it is.
func KindLabel(kind string) string {
	switch kind {
	case KindDevelopment:
		return "Development"
	case KindAdHoc:
		return "Ad Hoc"
	case KindAppStore:
		return "App Store"
	case KindInHouse:
		return "In-House"
	case KindDeveloperID:
		return "Developer ID"
	}
	return kind
}

// Profile is what a .mobileprovision says about itself. Every text is made
// safe to show (core.SafeText); the UUID is checked to be a UUID.
type Profile struct {
	UUID                 string         `json:"uuid"`
	Name                 string         `json:"name"`
	TeamIdentifier       string         `json:"teamIdentifier"`
	TeamName             string         `json:"teamName"`
	AppIDName            string         `json:"appIdName"`
	BundleIdentifier     string         `json:"bundleIdentifier"`
	Platform             string         `json:"platform"`
	Kind                 string         `json:"kind"`
	CreationDate         time.Time      `json:"creationDate"`
	ExpirationDate       time.Time      `json:"expirationDate"`
	Expired              bool           `json:"expired"`
	Entitlements         map[string]any `json:"entitlements"`
	Devices              []string       `json:"devices"`
	ProvisionsAllDevices bool           `json:"provisionsAllDevices"`
	Certificates         []Certificate  `json:"certificates"`
	// SignatureValid and SignerClaimsApple: see the package documentation
	// for exactly what they do and do not prove.
	SignatureValid    bool `json:"signatureValid"`
	SignerClaimsApple bool `json:"signerClaimsApple"`
}

// Certificate is one certificate a profile embeds: a signing identity that
// may sign with it.
type Certificate struct {
	CommonName     string    `json:"commonName"`
	SerialNumber   string    `json:"serialNumber"`
	SHA1           string    `json:"sha1"`
	ExpirationDate time.Time `json:"expirationDate"`
	// HasPrivateKey says whether this machine holds its private key; Decode
	// leaves it false, MarkPrivateKeys sets it.
	HasPrivateKey bool `json:"hasPrivateKey"`
	// SPKI is identity.SPKIHash of its public key, the match with a key.
	SPKI string `json:"-"`
}

// SPKIs returns the public-key hashes of the embedded certificates, for
// storage's (*Vault).HasIdentity.
func (p *Profile) SPKIs() []string {
	out := make([]string, 0, len(p.Certificates))
	for _, c := range p.Certificates {
		if c.SPKI != "" {
			out = append(out, c.SPKI)
		}
	}
	return out
}

// MarkPrivateKeys sets HasPrivateKey from what HasIdentity answered.
func (p *Profile) MarkPrivateKeys(has map[string]bool) {
	for i := range p.Certificates {
		p.Certificates[i].HasPrivateKey = has[p.Certificates[i].SPKI]
	}
}

// plistProfile is the property list inside, as Apple writes it.
type plistProfile struct {
	UUID                  string         `plist:"UUID"`
	Name                  string         `plist:"Name"`
	TeamIdentifier        []string       `plist:"TeamIdentifier"`
	TeamName              string         `plist:"TeamName"`
	AppIDName             string         `plist:"AppIDName"`
	Platform              []string       `plist:"Platform"`
	Entitlements          map[string]any `plist:"Entitlements"`
	ProvisionedDevices    []string       `plist:"ProvisionedDevices"`
	ProvisionsAllDevices  bool           `plist:"ProvisionsAllDevices"`
	DeveloperCertificates [][]byte       `plist:"DeveloperCertificates"`
	CreationDate          time.Time      `plist:"CreationDate"`
	ExpirationDate        time.Time      `plist:"ExpirationDate"`
}

// uuidPattern is the only UUID accepted: it names the installed file.
var uuidPattern = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)

// IsUUID reports whether s has the form of a profile's UUID.
func IsUUID(s string) bool { return uuidPattern.MatchString(s) }

// ErrNotProfile is wrapped by every error of Decode: the data is not a
// provisioning profile ASC Keys can read.
var ErrNotProfile = errors.New("not a provisioning profile")

// Decode reads a .mobileprovision. now decides Expired. It never panics and
// refuses what the package documentation says it refuses; its errors wrap
// ErrNotProfile and never quote more than a safe, short piece of the input.
func Decode(data []byte, now time.Time) (*Profile, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: it is %d bytes, more than the %d MiB a profile can be", ErrNotProfile, len(data), MaxFileSize>>20)
	}
	p7, err := pkcs7.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w: it is not CMS signed data (%s); download it again", ErrNotProfile, core.SafeText(err.Error()))
	}
	if err := checkPlist(p7.Content); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotProfile, err)
	}
	var pp plistProfile
	if _, err := plist.Unmarshal(p7.Content, &pp); err != nil {
		// The parser's errors may quote the property list.
		return nil, fmt.Errorf("%w: its property list is unreadable (%s)", ErrNotProfile, truncate(core.SafeText(err.Error()), 200))
	}
	if !IsUUID(pp.UUID) {
		return nil, fmt.Errorf("%w: its UUID \"%s\" is not a UUID (8-4-4-4-12 hex digits), so it cannot name a file", ErrNotProfile, truncate(core.SafeText(pp.UUID), 80))
	}
	p := &Profile{
		UUID:                 pp.UUID, // as written: it names the file, as Xcode names it
		Name:                 core.SafeText(pp.Name),
		TeamName:             core.SafeText(pp.TeamName),
		AppIDName:            core.SafeText(pp.AppIDName),
		CreationDate:         pp.CreationDate.UTC(),
		ExpirationDate:       pp.ExpirationDate.UTC(),
		Expired:              !pp.ExpirationDate.IsZero() && !now.Before(pp.ExpirationDate),
		Entitlements:         safeMap(pp.Entitlements),
		Devices:              safeList(pp.ProvisionedDevices),
		ProvisionsAllDevices: pp.ProvisionsAllDevices,
	}
	if len(pp.TeamIdentifier) > 0 {
		p.TeamIdentifier = core.SafeText(pp.TeamIdentifier[0])
	}
	if len(pp.Platform) > 0 {
		p.Platform = core.SafeText(pp.Platform[0])
	}
	p.BundleIdentifier = bundleIdentifier(p.Entitlements, p.TeamIdentifier)
	for _, der := range pp.DeveloperCertificates {
		p.Certificates = append(p.Certificates, certificate(der))
	}
	p.Kind = kind(p)
	p.SignatureValid = p7.Verify() == nil
	if s := p7.GetOnlySigner(); s != nil {
		p.SignerClaimsApple = strings.Join(s.Issuer.Organization, ",") == "Apple Inc."
	}
	return p, nil
}

// checkPlist refuses content that is not an XML property list or that
// nests or stretches beyond the bounds, before the plist parser sees it.
// encoding/xml expands no entities but its own five, so there is no
// "billion laughs".
func checkPlist(content []byte) error {
	head := bytes.TrimLeft(bytes.TrimPrefix(content, []byte("\xEF\xBB\xBF")), " \t\r\n")
	if !bytes.HasPrefix(head, []byte("<?xml")) && !bytes.HasPrefix(head, []byte("<plist")) && !bytes.HasPrefix(head, []byte("<!DOCTYPE")) {
		return errors.New("its content is not an XML property list, as Apple's always are")
	}
	d := xml.NewDecoder(bytes.NewReader(content))
	depth := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("its property list is not well-formed XML (%s)", truncate(core.SafeText(err.Error()), 200))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth++; depth > maxDepth {
				return fmt.Errorf("its property list nests more than %d levels deep", maxDepth)
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if len(t) > maxText {
				return fmt.Errorf("its property list holds a text of %d bytes, more than the %d KiB a profile needs", len(t), maxText>>10)
			}
		}
	}
}

// certificate describes one embedded certificate; one that does not parse is
// listed with what is known (its SHA-1) rather than dropped.
func certificate(der []byte) Certificate {
	sum := sha1.Sum(der) //nolint:gosec // an identifier, not a security check
	c := Certificate{SHA1: strings.ToUpper(hex.EncodeToString(sum[:]))}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		c.CommonName = "(unreadable certificate)"
		return c
	}
	c.CommonName = core.SafeText(cert.Subject.CommonName)
	c.SerialNumber = strings.ToUpper(cert.SerialNumber.Text(16))
	c.ExpirationDate = cert.NotAfter.UTC()
	c.SPKI = identity.SPKIHash(cert.PublicKey)
	return c
}

// bundleIdentifier is the application identifier's part after the team ID:
// "com.example.app", or "*" for a wildcard profile.
func bundleIdentifier(ent map[string]any, team string) string {
	for _, k := range []string{"application-identifier", "com.apple.application-identifier"} {
		if s, ok := ent[k].(string); ok && s != "" {
			if team != "" && strings.HasPrefix(s, team+".") {
				return s[len(team)+1:]
			}
			if i := strings.IndexByte(s, '.'); i >= 0 {
				return s[i+1:]
			}
			return s
		}
	}
	return ""
}

// kind tells the profile's kind from what it provisions: every device
// (in-house, or Developer ID on the Mac), a list of devices (development
// when the app may be debugged, else ad hoc), or none (the App Store, or
// Developer ID when its certificates are Developer ID ones).
func kind(p *Profile) string {
	developerID := false
	for _, c := range p.Certificates {
		if strings.HasPrefix(c.CommonName, "Developer ID") {
			developerID = true
		}
	}
	debuggable := false
	for _, k := range []string{"get-task-allow", "com.apple.security.get-task-allow"} {
		if b, ok := p.Entitlements[k].(bool); ok && b {
			debuggable = true
		}
	}
	switch {
	case developerID:
		return KindDeveloperID
	case p.ProvisionsAllDevices && p.Platform == "OSX":
		return KindDeveloperID
	case p.ProvisionsAllDevices:
		return KindInHouse
	case debuggable:
		return KindDevelopment
	case len(p.Devices) > 0:
		return KindAdHoc
	}
	return KindAppStore
}

// safeMap makes every key and text of an entitlements dictionary safe to
// show; other values (booleans, numbers, dates, data) are kept as they are.
func safeMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[core.SafeText(k)] = safeValue(v)
	}
	return out
}

func safeValue(v any) any {
	switch t := v.(type) {
	case string:
		return core.SafeText(t)
	case map[string]any:
		return safeMap(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = safeValue(e)
		}
		return out
	}
	return v
}

func safeList(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = core.SafeText(v)
	}
	return out
}

// truncate shortens s to at most n bytes, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return core.TruncateUTF8(s, n) + "…"
}
