package identity

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf16"

	"software.sslmate.com/src/go-pkcs12"
)

// Identity is a certificate with its private key, as a .p12 holds them.
type Identity struct {
	Certificate *x509.Certificate
	Key         crypto.Signer
	// CACerts are the other certificates the file carried (Apple's
	// intermediates, usually), in the file's order.
	CACerts []*x509.Certificate
}

// SPKI is the identity's SPKIHash.
func (id Identity) SPKI() string {
	if id.Certificate == nil {
		return ""
	}
	return SPKIHash(id.Certificate.PublicKey)
}

// String describes the identity without its key.
func (id Identity) String() string {
	if id.Certificate == nil {
		return "identity.Identity{no certificate}"
	}
	return fmt.Sprintf("identity.Identity{%q, serial %s, SPKI %s, key redacted}", id.Certificate.Subject.CommonName, id.Certificate.SerialNumber, id.SPKI())
}

// Format makes every fmt verb print String, so %#v cannot print the key.
func (id Identity) Format(f fmt.State, _ rune) { fmt.Fprint(f, id.String()) }

// The kinds of .p12 failure; a *P12Error matches its kind with errors.Is.
var (
	ErrEmptyPassword  = errors.New("empty .p12 password")
	ErrBadPassword    = errors.New("unusable .p12 password")
	ErrWrongPassword  = errors.New("wrong password")
	ErrBER            = errors.New(".p12 is BER-encoded")
	ErrNotP12         = errors.New("not a .p12 file")
	ErrUnsupportedP12 = errors.New("unsupported .p12 encryption")
	ErrNoKey          = errors.New("no private key in the .p12")
	ErrNoCertificate  = errors.New("no certificate in the .p12")
	ErrKeyMismatch    = errors.New("private key does not match the certificate")
)

// P12Error is a .p12 that could not be made or read. Its message says what
// is wrong and what to do; it never holds the password or key material.
type P12Error struct {
	Kind error // one of the Err* kinds above
	Err  error // the underlying error, if any
}

// Error describes the failure and its remedy.
func (e *P12Error) Error() string {
	msg := p12Advice(e.Kind)
	if e.Err != nil && (e.Kind == ErrNotP12 || e.Kind == ErrUnsupportedP12 || e.Kind == ErrNoKey) {
		msg += " (" + strings.TrimPrefix(e.Err.Error(), "pkcs12: ") + ")"
	}
	return msg
}

// Is matches the error's kind.
func (e *P12Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying error.
func (e *P12Error) Unwrap() error { return e.Err }

func p12Advice(kind error) string {
	switch kind {
	case ErrEmptyPassword:
		return "a .p12 needs a password (macOS refuses to import one without): give one, or use the generated one offered"
	case ErrBadPassword:
		return "the password has characters a .p12 cannot hold (outside Unicode's Basic Multilingual Plane, such as emoji): choose another"
	case ErrWrongPassword:
		return "wrong password: the .p12 did not open with it; passwords are case-sensitive: check it and try again"
	case ErrBER:
		return "the .p12 is BER-encoded (indefinite lengths), which ASC Keys cannot read: convert it with OpenSSL " +
			"(openssl pkcs12 -in FILE -nodes | openssl pkcs12 -export -out converted.p12; add -legacy to the first command if OpenSSL asks for it) and import converted.p12"
	case ErrNotP12:
		return "the file is not a .p12 (PKCS#12), or it is damaged: export the certificate with its private key again, as a .p12"
	case ErrUnsupportedP12:
		return "the .p12 uses an encoding ASC Keys cannot read: re-export it with OpenSSL (openssl pkcs12 -in FILE -nodes | openssl pkcs12 -export -out converted.p12) and import converted.p12"
	case ErrNoKey:
		return "the .p12 holds no usable private key: export it again with the private key included (in Keychain Access, select the certificate together with its key)"
	case ErrNoCertificate:
		return "the .p12 holds no certificate: export it again with the certificate included"
	case ErrKeyMismatch:
		return "the private key belongs to none of the certificates it comes with: export the certificate together with its own private key"
	}
	return "the .p12 could not be processed"
}

func p12Error(kind, err error) error { return &P12Error{Kind: kind, Err: err} }

// checkPassword refuses what PKCS#12 cannot encode: its passwords are UCS-2.
func checkPassword(password string) error {
	for _, r := range password {
		if utf16.IsSurrogate(r) || r > 0xFFFF {
			return p12Error(ErrBadPassword, nil)
		}
	}
	return nil
}

// EncodeP12 returns a PKCS#12 file of cert and key protected by password:
// by default 3DES with a SHA-1 MAC, which macOS `security import`, Keychain
// Access, older Windows, Java and OpenSSL 1 and 3 all read (they reject
// AES/SHA-256); modern chooses AES-256 with a SHA-256 MAC (Modern2023), for
// current systems only. An empty password is refused (macOS will not import
// such a file), and so is a key that is not cert's.
func EncodeP12(cert *x509.Certificate, key crypto.Signer, password string, modern bool) ([]byte, error) {
	if password == "" {
		return nil, p12Error(ErrEmptyPassword, nil)
	}
	if err := checkPassword(password); err != nil {
		return nil, err
	}
	if cert == nil {
		return nil, p12Error(ErrNoCertificate, nil)
	}
	if key == nil {
		return nil, p12Error(ErrNoKey, nil)
	}
	if !Matches(cert, key) {
		return nil, p12Error(ErrKeyMismatch, nil)
	}
	enc := pkcs12.LegacyDES
	if modern {
		enc = pkcs12.Modern2023
	}
	data, err := enc.Encode(key, cert, nil, password)
	if err != nil {
		return nil, fmt.Errorf("making the .p12 of %q: %w", cert.Subject.CommonName, err)
	}
	return data, nil
}

// DecodeP12 reads a .p12 made by any tool whose encoding go-pkcs12 reads
// (3DES, RC2, AES; SHA-1 or SHA-2 MACs): one private key, and the
// certificate it belongs to, which need not come first. Failures are
// *P12Error values: ErrWrongPassword, ErrBER (a BER-encoded file, which
// go-pkcs12 cannot read), ErrNotP12, ErrUnsupportedP12, ErrNoKey,
// ErrNoCertificate, ErrKeyMismatch, ErrBadPassword.
func DecodeP12(data []byte, password string) (Identity, error) {
	if err := checkPassword(password); err != nil {
		return Identity{}, err
	}
	var scan berScan
	scan.walk(data, 0)
	if scan.iterations > maxP12Iterations {
		return Identity{}, p12Error(ErrUnsupportedP12, fmt.Errorf("it asks for %d key-derivation rounds, more than the %d ASC Keys allows", scan.iterations, maxP12Iterations))
	}
	key, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		return Identity{}, decodeError(scan, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return Identity{}, p12Error(ErrNoKey, fmt.Errorf("its key is a %T, which cannot sign", key))
	}
	certs := append([]*x509.Certificate{leaf}, cas...)
	for i, c := range certs {
		if Matches(c, signer) {
			others := append(certs[:i:i], certs[i+1:]...)
			return Identity{Certificate: c, Key: signer, CACerts: others}, nil
		}
	}
	return Identity{}, p12Error(ErrKeyMismatch, nil)
}

// decodeError names what go-pkcs12's error means. go-pkcs12 exports
// sentinels only for the password; the rest is known by its messages.
func decodeError(scan berScan, err error) error {
	var notImpl pkcs12.NotImplementedError
	msg := err.Error()
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword), errors.Is(err, pkcs12.ErrDecryption):
		// ErrDecryption: the MAC passed but a bag did not decrypt, i.e. the
		// key was protected by another password.
		return p12Error(ErrWrongPassword, nil)
	case strings.Contains(msg, "indefinite length"),
		strings.Contains(msg, "asn1:") && scan.indefinite:
		return p12Error(ErrBER, nil)
	case strings.Contains(msg, "private key missing"):
		return p12Error(ErrNoKey, nil)
	case strings.Contains(msg, "certificate missing"):
		return p12Error(ErrNoCertificate, nil)
	case errors.As(err, &notImpl):
		return p12Error(ErrUnsupportedP12, err)
	case strings.Contains(msg, "one key bag"):
		return p12Error(ErrNoKey, errors.New("it holds more than one private key; export one certificate with its key"))
	}
	return p12Error(ErrNotP12, err)
}

// maxBERDepth bounds the walk of scanBER: a .p12 nests about ten levels
// deep.
const maxBERDepth = 24

// maxP12Iterations bounds the key-derivation rounds a .p12 may ask for.
// go-pkcs12 runs whatever count the file states, so a damaged or hostile
// file could keep the program busy for hours; real files use 1 (old MACs)
// to 10000 (Java), and a million rounds take about a second. A variable for
// the fuzz test, which cannot afford a second per input.
var maxP12Iterations = 1_000_000

// berScan is what scanBER saw of a file's unencrypted structure.
type berScan struct {
	indefinite bool // an indefinite length: the file is BER, not DER
	iterations int  // the largest iteration count
}

// hasIndefiniteLength reports whether data, read as BER, uses an indefinite
// length anywhere outside encrypted content: the mark of a BER file (from
// Java's keytool or old macOS), which DER-only readers refuse.
func hasIndefiniteLength(data []byte) bool {
	var s berScan
	s.walk(data, 0)
	return s.indefinite
}

// walk reads data as a run of BER values, looking into constructed values
// and into octet strings that start as a SEQUENCE would (PKCS#12 wraps its
// structures in octet strings; encrypted bytes are octet strings too). An
// INTEGER right after an OCTET STRING is an iteration count: PKCS#12's MAC
// data, PBE and PBKDF2 parameters all put the count after the salt, and
// nothing else in a .p12 outside certificates and keys does. It stops at the
// first value it cannot read.
func (s *berScan) walk(data []byte, depth int) {
	if depth > maxBERDepth {
		return
	}
	var prev byte
	for len(data) > 0 {
		tag := data[0]
		i := 1
		if tag&0x1f == 0x1f { // high tag number: base-128 digits
			for i < len(data) && data[i]&0x80 != 0 {
				i++
			}
			i++
		}
		if i >= len(data) {
			return
		}
		l := data[i]
		i++
		constructed := tag&0x20 != 0
		if l == 0x80 {
			s.indefinite = s.indefinite || constructed // only legal on constructed values
			return
		}
		n := int(l)
		if l > 0x80 {
			width := int(l & 0x7f)
			if width > 4 || i+width > len(data) {
				return
			}
			n = 0
			for _, b := range data[i : i+width] {
				n = n<<8 | int(b)
			}
			i += width
		}
		if n < 0 || n > len(data)-i {
			return
		}
		content := data[i : i+n]
		if tag == 0x02 && prev == 0x04 {
			s.iterations = max(s.iterations, intValue(content))
		}
		if constructed || tag == 0x04 && len(content) > 1 && content[0] == 0x30 {
			s.walk(content, depth+1)
		}
		prev = tag
		data = data[i+n:]
	}
}

// intValue reads an INTEGER's content as a count: negative is 0, beyond
// 32 bits saturates.
func intValue(b []byte) int {
	if len(b) > 0 && b[0]&0x80 != 0 {
		return 0
	}
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	if len(b) > 4 {
		return math.MaxInt32
	}
	var v int64
	for _, c := range b {
		v = v<<8 | int64(c)
	}
	return int(min(v, math.MaxInt32))
}
