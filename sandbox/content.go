package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/smallstep/pkcs7"
	"howett.net/plist"
)

// pki is the sandbox's self-made certificate authority, named like Apple's,
// which issues the developer certificates and signs the profiles. It is made
// on first use: many tests never download content.
type pki struct {
	teamID, teamName string
	anchor           time.Time // the data's "today"

	once      sync.Once
	err       error
	caKey     *ecdsa.PrivateKey
	ca        *x509.Certificate
	signerKey *ecdsa.PrivateKey
	signer    *x509.Certificate
}

// Subjects of the authority and of the profile signer, as in Apple's chain.
var (
	caSubject = pkix.Name{
		CommonName:         "Apple Worldwide Developer Relations Certification Authority",
		OrganizationalUnit: []string{"G3"},
		Organization:       []string{"Apple Inc."},
		Country:            []string{"US"},
	}
	signerSubject = pkix.Name{
		CommonName:         "Apple iPhone OS Provisioning Profile Signing",
		OrganizationalUnit: []string{"Apple Worldwide Developer Relations"},
		Organization:       []string{"Apple Inc."},
		Country:            []string{"US"},
	}
	oidUserID = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
)

// appleMarkers are the (non-critical here) extensions Apple puts in
// certificates to say what they may sign, under 1.2.840.113635.100.6.1.
var appleMarkers = map[string][]int{
	"DEVELOPMENT":                 {2, 12},
	"DISTRIBUTION":                {4, 7},
	"IOS_DEVELOPMENT":             {2},
	"IOS_DISTRIBUTION":            {4},
	"MAC_APP_DEVELOPMENT":         {12},
	"MAC_APP_DISTRIBUTION":        {7},
	"MAC_INSTALLER_DISTRIBUTION":  {8},
	"DEVELOPER_ID_APPLICATION":    {13},
	"DEVELOPER_ID_APPLICATION_G2": {13},
	"DEVELOPER_ID_INSTALLER":      {14},
	"DEVELOPER_ID_KEXT":           {18},
	"DEVELOPER_ID_KEXT_G2":        {18},
	"PASS_TYPE_ID":                {16},
	"PASS_TYPE_ID_WITH_NFC":       {16},
}

func (p *pki) init() error {
	p.once.Do(func() {
		now := time.Now()
		from, until := p.anchor, p.anchor
		if now.Before(from) {
			from = now
		}
		if now.After(until) {
			until = now
		}
		// Valid around both the data's dates and the real clock, which
		// stamps the CMS signing time.
		validFrom, validUntil := from.AddDate(-8, 0, 0), until.AddDate(8, 0, 0)
		if p.caKey, p.err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); p.err != nil {
			return
		}
		caTmpl := &x509.Certificate{
			SerialNumber: big.NewInt(0x1a2b3c), Subject: caSubject,
			NotBefore: validFrom, NotAfter: validUntil,
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
			BasicConstraintsValid: true, IsCA: true,
		}
		if p.ca, p.err = createCert(caTmpl, caTmpl, &p.caKey.PublicKey, p.caKey); p.err != nil {
			return
		}
		if p.signerKey, p.err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); p.err != nil {
			return
		}
		p.signer, p.err = createCert(&x509.Certificate{
			SerialNumber: big.NewInt(0x3c2b1a), Subject: signerSubject,
			NotBefore: validFrom, NotAfter: validUntil,
			KeyUsage: x509.KeyUsageDigitalSignature,
		}, p.ca, &p.signerKey.PublicKey, p.caKey)
	})
	return p.err
}

func createCert(tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, signer *ecdsa.PrivateKey) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// certificateDER issues v's certificate on first use: the listed serial,
// dates and an Apple-like subject, over the CSR's public key for created
// certificates and a fresh P-256 key for seeded ones (Apple's are RSA;
// nothing that reads a seeded certificate cares, and P-256 is fast to make).
func (p *pki) certificateDER(v *certificate) ([]byte, error) {
	v.der.once.Do(func() {
		if v.der.err = p.init(); v.der.err != nil {
			return
		}
		pub := v.pub
		if pub == nil {
			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				v.der.err = err
				return
			}
			pub = &key.PublicKey
		}
		tmpl := &x509.Certificate{
			SerialNumber: v.serial,
			Subject: pkix.Name{
				CommonName: v.commonName, OrganizationalUnit: []string{p.teamID}, Organization: []string{p.teamName},
				Country: []string{"US"}, ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidUserID, Value: v.userID}},
			},
			NotBefore: v.issued, NotAfter: v.expires,
			KeyUsage:              x509.KeyUsageDigitalSignature,
			BasicConstraintsValid: true,
		}
		if strings.HasPrefix(certKinds[v.certType].cn, "Apple Pay") || v.certType == "IDENTITY_ACCESS" {
			tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		} else {
			tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
		}
		for _, m := range appleMarkers[v.certType] {
			tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{
				Id: asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 1, m}, Value: []byte{0x05, 0x00}, // ASN.1 NULL
			})
		}
		v.der.b, v.der.err = x509.CreateCertificate(rand.Reader, tmpl, p.ca, pub, p.caKey)
		if v.der.err == nil {
			v.der.b64 = base64.StdEncoding.EncodeToString(v.der.b)
		}
	})
	return v.der.b, v.der.err
}

func (p *pki) certificateB64(v *certificate) (string, error) {
	_, err := p.certificateDER(v)
	return v.der.b64, err
}

// provisioningProfile is the plist inside a .mobileprovision, with the keys
// Xcode and the tools around it read.
type provisioningProfile struct {
	AppIDName                   string         `plist:"AppIDName"`
	ApplicationIdentifierPrefix []string       `plist:"ApplicationIdentifierPrefix"`
	CreationDate                time.Time      `plist:"CreationDate"`
	Platform                    []string       `plist:"Platform"`
	IsXcodeManaged              bool           `plist:"IsXcodeManaged"`
	DeveloperCertificates       [][]byte       `plist:"DeveloperCertificates"`
	Entitlements                map[string]any `plist:"Entitlements"`
	ExpirationDate              time.Time      `plist:"ExpirationDate"`
	Name                        string         `plist:"Name"`
	ProvisionedDevices          []string       `plist:"ProvisionedDevices,omitempty"`
	ProvisionsAllDevices        bool           `plist:"ProvisionsAllDevices,omitempty"`
	TeamIdentifier              []string       `plist:"TeamIdentifier"`
	TeamName                    string         `plist:"TeamName"`
	TimeToLive                  int            `plist:"TimeToLive"`
	UUID                        string         `plist:"UUID"`
	Version                     int            `plist:"Version"`
}

var plistPlatforms = map[string][]string{"ios": {"iOS", "xrOS", "visionOS"}, "tvos": {"tvOS"}, "mac": {"OSX"}}

// profileContent makes v's .mobileprovision on first use: the plist, signed
// as CMS SignedData with the content attached, as Apple delivers it.
func (p *pki) profileContent(v *profile) ([]byte, error) {
	v.content.once.Do(func() {
		v.content.b, v.content.err = p.makeProfile(v)
		if v.content.err == nil {
			v.content.b64 = base64.StdEncoding.EncodeToString(v.content.b)
		}
	})
	return v.content.b, v.content.err
}

func (p *pki) profileB64(v *profile) (string, error) {
	_, err := p.profileContent(v)
	return v.content.b64, err
}

func (p *pki) makeProfile(v *profile) ([]byte, error) {
	if err := p.init(); err != nil {
		return nil, err
	}
	k := profileKinds[v.profileType]
	ident, appIDName := "com.example.app", "Example"
	if v.bundle != nil {
		ident, appIDName = v.bundle.identifier, v.bundle.name
	}
	dev := developmentProfiles[v.profileType]
	ent := map[string]any{
		"application-identifier":              p.teamID + "." + ident,
		"com.apple.developer.team-identifier": p.teamID,
		"get-task-allow":                      dev,
		"keychain-access-groups":              []string{p.teamID + ".*"},
	}
	if k.family == "mac" {
		delete(ent, "application-identifier")
		delete(ent, "get-task-allow")
		ent["com.apple.application-identifier"] = p.teamID + "." + ident
		ent["com.apple.security.get-task-allow"] = dev
	}
	pp := provisioningProfile{
		AppIDName:                   appIDName,
		ApplicationIdentifierPrefix: []string{p.teamID},
		CreationDate:                v.created.UTC().Truncate(time.Second),
		Platform:                    plistPlatforms[k.family],
		IsXcodeManaged:              strings.Contains(v.name, "Team Provisioning Profile"),
		Entitlements:                ent,
		ExpirationDate:              v.expires.UTC().Truncate(time.Second),
		Name:                        v.name,
		TeamIdentifier:              []string{p.teamID},
		TeamName:                    p.teamName,
		TimeToLive:                  int(v.expires.Sub(v.created) / day),
		UUID:                        v.uuid,
		Version:                     1,
	}
	for _, c := range v.certs {
		der, err := p.certificateDER(c)
		if err != nil {
			return nil, err
		}
		pp.DeveloperCertificates = append(pp.DeveloperCertificates, der)
	}
	for _, d := range v.devices {
		pp.ProvisionedDevices = append(pp.ProvisionedDevices, d.udid)
	}
	if strings.HasSuffix(v.profileType, "_INHOUSE") {
		pp.ProvisionsAllDevices = true
	}
	body, err := plist.MarshalIndent(pp, plist.XMLFormat, "\t")
	if err != nil {
		return nil, fmt.Errorf("encoding the profile plist: %w", err)
	}
	sd, err := pkcs7.NewSignedData(body)
	if err != nil {
		return nil, err
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	if err := sd.AddSignerChain(p.signer, p.signerKey, []*x509.Certificate{p.ca}, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, fmt.Errorf("signing the profile: %w", err)
	}
	return sd.Finish()
}
