package keyfile

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
)

// Object identifiers needed to tell key types and curves apart before handing
// the bytes to crypto/x509, whose errors ("unknown elliptic curve") cannot
// name what the file actually holds.
var (
	oidPublicKeyEC      = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidPublicKeyRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidPublicKeyRSAPSS  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidPublicKeyDSA     = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}
	oidPublicKeyEd25519 = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidPublicKeyEd448   = asn1.ObjectIdentifier{1, 3, 101, 113}
	oidPublicKeyX25519  = asn1.ObjectIdentifier{1, 3, 101, 110}
	oidPublicKeyX448    = asn1.ObjectIdentifier{1, 3, 101, 111}

	oidCurveP256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
)

// curveNames names the curves people meet, so the refusal can say which one
// the file used.
var curveNames = []struct {
	oid  asn1.ObjectIdentifier
	name string
}{
	{oidCurveP256, "P-256"},
	{asn1.ObjectIdentifier{1, 3, 132, 0, 33}, "P-224"},
	{asn1.ObjectIdentifier{1, 3, 132, 0, 34}, "P-384"},
	{asn1.ObjectIdentifier{1, 3, 132, 0, 35}, "P-521"},
	{asn1.ObjectIdentifier{1, 3, 132, 0, 10}, "secp256k1"},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 1}, "P-192"},
	{asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 7}, "brainpoolP256r1"},
	{asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 11}, "brainpoolP384r1"},
	{asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 13}, "brainpoolP512r1"},
	{asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301}, "SM2"},
}

func curveName(oid asn1.ObjectIdentifier) string {
	for _, c := range curveNames {
		if c.oid.Equal(oid) {
			return c.name
		}
	}
	return "unknown (OID " + oid.String() + ")"
}

// pkcs8 is PKCS#8 PrivateKeyInfo (RFC 5208); optional trailing fields are
// ignored by encoding/asn1.
type pkcs8 struct {
	Version    int
	Algo       pkix.AlgorithmIdentifier
	PrivateKey []byte
}

// ecPrivateKey is SEC 1 ECPrivateKey (RFC 5915).
type ecPrivateKey struct {
	Version       int
	PrivateKey    []byte
	NamedCurveOID asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
	PublicKey     asn1.BitString        `asn1:"optional,explicit,tag:1"`
}

// encryptedPKCS8 is EncryptedPrivateKeyInfo (RFC 5208), recognised so an
// encrypted key under a plain label is still called encrypted.
type encryptedPKCS8 struct {
	Algo          pkix.AlgorithmIdentifier
	EncryptedData []byte
}

// derFormat says which encoding a key's DER was in.
type derFormat int

const (
	formatPKCS8 derFormat = iota + 1
	formatSEC1
)

// parsed is a P-256 key with the DER it was read from.
type parsed struct {
	key    *ecdsa.PrivateKey
	format derFormat
	der    []byte
}

// parseKeyDER turns the DER of a private key into a P-256 key, or refuses
// with an *Error naming what the bytes hold.
func parseKeyDER(der []byte) (parsed, *Error) {
	var p pkcs8
	if rest, err := asn1.Unmarshal(der, &p); err == nil && len(rest) == 0 && p.Algo.Algorithm != nil && p.PrivateKey != nil {
		key, kerr := parsePKCS8(der, &p)
		return parsed{key, formatPKCS8, der}, kerr
	}
	var ec ecPrivateKey
	if rest, err := asn1.Unmarshal(der, &ec); err == nil && len(rest) == 0 && ec.Version == 1 {
		key, kerr := parseSEC1(der, &ec)
		return parsed{key, formatSEC1, der}, kerr
	}
	var enc encryptedPKCS8
	if rest, err := asn1.Unmarshal(der, &enc); err == nil && len(rest) == 0 && enc.Algo.Algorithm != nil {
		return parsed{}, errEncrypted()
	}
	if _, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return parsed{}, errRSA()
	}
	return parsed{}, errUnrecognisedDER
}

// errUnrecognisedDER is what parseKeyDER returns for bytes that are no key
// format at all, so binary input can be told apart from a damaged key.
var errUnrecognisedDER = errDamaged("its data is not a valid key")

func parsePKCS8(der []byte, p *pkcs8) (*ecdsa.PrivateKey, *Error) {
	alg := p.Algo.Algorithm
	switch {
	case alg.Equal(oidPublicKeyEC):
	case alg.Equal(oidPublicKeyRSA), alg.Equal(oidPublicKeyRSAPSS):
		return nil, errRSA()
	case alg.Equal(oidPublicKeyEd25519):
		return nil, errEd25519()
	case alg.Equal(oidPublicKeyEd448):
		return nil, errUnsupported("an Ed448 key")
	case alg.Equal(oidPublicKeyX25519):
		return nil, errUnsupported("an X25519 key")
	case alg.Equal(oidPublicKeyX448):
		return nil, errUnsupported("an X448 key")
	case alg.Equal(oidPublicKeyDSA):
		return nil, errUnsupported("a DSA key")
	default:
		return nil, errUnsupported("a key of an unknown type (OID " + alg.String() + ")")
	}
	var curve asn1.ObjectIdentifier
	if rest, err := asn1.Unmarshal(p.Algo.Parameters.FullBytes, &curve); err != nil || len(rest) != 0 {
		return nil, errCurve("unnamed (explicitly encoded)")
	}
	if !curve.Equal(oidCurveP256) {
		return nil, errCurve(curveName(curve))
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, errDamaged("its data is not a valid P-256 key")
	}
	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errDamaged("its data is not a valid P-256 key")
	}
	var inner ecPrivateKey
	if _, err := asn1.Unmarshal(p.PrivateKey, &inner); err == nil {
		if kerr := checkEmbeddedPublicKey(key, inner.PublicKey); kerr != nil {
			return nil, kerr
		}
	}
	return key, nil
}

func parseSEC1(der []byte, ec *ecPrivateKey) (*ecdsa.PrivateKey, *Error) {
	if ec.NamedCurveOID == nil {
		return nil, errCurve("unnamed (the key does not say which curve it uses)")
	}
	if !ec.NamedCurveOID.Equal(oidCurveP256) {
		return nil, errCurve(curveName(ec.NamedCurveOID))
	}
	key, err := x509.ParseECPrivateKey(der)
	if err != nil {
		return nil, errDamaged("its data is not a valid P-256 key")
	}
	if kerr := checkEmbeddedPublicKey(key, ec.PublicKey); kerr != nil {
		return nil, kerr
	}
	return key, nil
}

// checkEmbeddedPublicKey compares the public key stored beside the private
// scalar with the one derived from it. Any 32 bytes make a valid scalar, so
// this is the only way to notice a private key damaged inside the file.
func checkEmbeddedPublicKey(key *ecdsa.PrivateKey, embedded asn1.BitString) *Error {
	if embedded.BitLength == 0 || len(embedded.Bytes) == 0 || embedded.Bytes[0] != 4 {
		return nil // absent, or in a compressed form crypto/x509 never writes
	}
	derived, err := key.PublicKey.Bytes()
	if err != nil {
		return errDamaged("its data is not a valid P-256 key")
	}
	if !bytes.Equal(derived, embedded.Bytes) {
		return errDamaged("its private and public halves do not match")
	}
	return nil
}

// classifyNonKeyDER names binary data that is a certificate or public key
// rather than a private key, so the refusal can say so. It returns nil for
// anything else.
func classifyNonKeyDER(der []byte) *Error {
	if _, err := x509.ParseCertificate(der); err == nil {
		return errCertificate("a certificate")
	}
	if _, err := x509.ParsePKIXPublicKey(der); err == nil {
		return errPublicKey()
	}
	if _, err := x509.ParseCertificateRequest(der); err == nil {
		return errCertificate("a certificate signing request")
	}
	return nil
}
