package keyfile

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every refusal from this package is an *Error whose Kind is
// one of these, so callers can branch with errors.Is while showing the
// message, which says what is wrong and what to do.
var (
	ErrEmpty          = errors.New("empty key file")
	ErrTooLarge       = errors.New("file too large to be a key")
	ErrBinary         = errors.New("binary file, not a text key")
	ErrNotPEM         = errors.New("not a PEM key")
	ErrEncrypted      = errors.New("encrypted key")
	ErrPublicKey      = errors.New("public key instead of the private key")
	ErrCertificate    = errors.New("certificate instead of a key")
	ErrNotKey         = errors.New("PEM block that is not a key")
	ErrRSA            = errors.New("RSA key")
	ErrEd25519        = errors.New("Ed25519 key")
	ErrUnsupportedKey = errors.New("unsupported key type")
	ErrCurve          = errors.New("EC key on a curve other than P-256")
	ErrMultipleKeys   = errors.New("several keys in one file")
	ErrDamaged        = errors.New("damaged key")

	ErrKeyIDMissing       = errors.New("missing Key ID")
	ErrKeyIDInvalid       = errors.New("invalid Key ID")
	ErrIssuerIDMissing    = errors.New("missing Issuer ID")
	ErrIssuerIDInvalid    = errors.New("bad Issuer ID (not a UUID)")
	ErrIssuerIDUnexpected = errors.New("unexpected Issuer ID for an individual key")
	ErrKindInvalid        = errors.New("unknown key kind")
	ErrNameMissing        = errors.New("name missing")
	ErrNameInvalid        = errors.New("name invalid")

	ErrFastlaneJSON  = errors.New("not a fastlane API key JSON file")
	ErrFastlaneField = errors.New("fastlane API key JSON field missing or invalid")
)

// Error is a refusal with a message meant for the person who chose the file
// or typed the value. The message never contains key material: it is built
// only from fixed text, sizes, counts and curve names.
type Error struct {
	// Kind is the sentinel (ErrEmpty, ErrCurve, ...) that errors.Is matches.
	Kind error
	msg  string
}

// Error returns the message: what is wrong, then what to do.
func (e *Error) Error() string { return e.msg }

// Unwrap returns the sentinel, so errors.Is(err, ErrEncrypted) works.
func (e *Error) Unwrap() error { return e.Kind }

func newError(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, msg: fmt.Sprintf(format, args...)}
}

// The remedies shared by most refusals. They must stay free of long base64-like
// runs so the leak checks in the tests stay meaningful.
const (
	chooseOriginal = "choose the AuthKey_XXXXXXXXXX.p8 file you downloaded from App Store Connect"
	recreateKey    = "if you no longer have it, revoke the key in App Store Connect and create a new one"
	wantP256       = "App Store Connect API keys are EC keys on the P-256 curve"
	ascKeysPage    = "App Store Connect > Users and Access > Integrations > App Store Connect API"
)

func errDamaged(why string) *Error {
	return newError(ErrDamaged, "the key is damaged (%s): the file may be cut short or edited; %s; %s", why, chooseOriginal, recreateKey)
}

func errUnsupported(what string) *Error {
	return newError(ErrUnsupportedKey, "the file holds %s; %s: %s", what, wantP256, chooseOriginal)
}

func errCurve(curve string) *Error {
	return newError(ErrCurve, "the file holds an EC key on the %s curve, but App Store Connect API keys use P-256: %s", curve, chooseOriginal)
}

func errRSA() *Error {
	return newError(ErrRSA, "the file holds an RSA key; %s: %s", wantP256, chooseOriginal)
}

func errEd25519() *Error {
	return newError(ErrEd25519, "the file holds an Ed25519 key; %s: %s", wantP256, chooseOriginal)
}

func errEncrypted() *Error {
	return newError(ErrEncrypted, "the key is encrypted with a passphrase, but keys from App Store Connect are not: use the original file from Apple, or decrypt this one with: openssl pkey -in FILE -out AuthKey_KEYID.p8")
}

func errPublicKey() *Error {
	return newError(ErrPublicKey, "the file holds a public key, but signing in needs the private key: %s (Apple lets you download it only once)", chooseOriginal)
}

func errCertificate(what string) *Error {
	return newError(ErrCertificate, "the file holds %s, not an App Store Connect API key: %s", what, chooseOriginal)
}

func errNotPEM() *Error {
	return newError(ErrNotPEM, "the file is not a .p8 key: it has no -----BEGIN line and is not base64 of one; %s (if you pasted the key, paste all of it, with its -----BEGIN and -----END lines)", chooseOriginal)
}

func errBinary() *Error {
	return newError(ErrBinary, "the file is binary data, not a .p8 key (a .p8 is a short text file that begins with -----BEGIN): check that you chose the AuthKey_XXXXXXXXXX.p8 file and not a .p12, .cer or .mobileprovision")
}
