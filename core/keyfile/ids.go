package keyfile

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/asckeys/asckeys/core"
)

// MaxNameLength is the longest key name accepted, in characters.
const MaxNameLength = 64

// maxKeyIDLength bounds a Key ID: Apple's are 10 characters, and anything far
// longer is a paste into the wrong field (perhaps of the key itself).
const maxKeyIDLength = 64

var (
	// keyFileRE matches Apple's download name and the common variants:
	// AuthKey_<KEYID>.p8, ApiKey_<KEYID>.p8, and browser copies such as
	// "AuthKey_<KEYID> (1).p8" or "AuthKey_<KEYID>-1.p8".
	keyFileRE  = regexp.MustCompile(`(?i)^(?:AuthKey|ApiKey)_([A-Za-z0-9]+)(?:\s*\(\d+\)|-\d+)?\.(?:p8|pem|txt)$`)
	appleKeyID = regexp.MustCompile(`^[A-Z0-9]{10}$`)
	uuidRE     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// KeyIDFromFilename returns the Key ID in a file name of Apple's form
// AuthKey_<KEYID>.p8 (also ApiKey_<KEYID>.p8, and browser copies like
// "AuthKey_<KEYID> (1).p8"), or "" when the name is not of that form. name may
// be a path with / or \ separators.
func KeyIDFromFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	m := keyFileRE.FindStringSubmatch(strings.TrimSpace(name))
	if m == nil {
		return ""
	}
	return m[1]
}

// CheckKeyID checks a Key ID as typed (blank space around it is ignored). An
// empty or unusable one (blank space, control characters or invisible
// direction marks inside: anything core.SafeText would change) is an error; one that is not 10 upper-case letters or
// digits, the shape of every Key ID Apple issues, only gets a warning, since
// nothing in the API forbids other shapes.
func CheckKeyID(id string) (warning string, err error) {
	id = strings.TrimSpace(id)
	switch {
	case id == "":
		return "", newError(ErrKeyIDMissing, "enter the Key ID: it is shown next to the key in %s, and is part of the file name AuthKey_<KEYID>.p8", ascKeysPage)
	case utf8.RuneCountInString(id) > maxKeyIDLength || strings.ContainsFunc(id, unicode.IsSpace) || core.SafeText(id) != id:
		return "", newError(ErrKeyIDInvalid, "the Key ID is not valid: it is a short ID like 2X9R4HXF34, with no spaces or line breaks; copy it from %s", ascKeysPage)
	case !appleKeyID.MatchString(id):
		return fmt.Sprintf("Key IDs from Apple are 10 upper-case letters and digits (like 2X9R4HXF34), and this one (%d characters) is not: check it against %s", utf8.RuneCountInString(id), ascKeysPage), nil
	}
	return "", nil
}

// CheckIssuerID checks the Issuer ID for a key of the given kind (blank space
// around it is ignored): team and enterprise keys need a UUID, individual keys
// have none. The value is never echoed, in case a key was pasted into the
// wrong field.
func CheckIssuerID(kind core.KeyKind, issuer string) error {
	issuer = strings.TrimSpace(issuer)
	where := ascKeysPage + ", where it is shown above the keys table"
	switch kind {
	case core.KindTeam, core.KindEnterprise:
	case core.KindIndividual:
		if issuer != "" {
			return newError(ErrIssuerIDUnexpected, "individual keys have no Issuer ID: leave it empty, or choose the Team kind if this key is listed under Team Keys in %s", ascKeysPage)
		}
		return nil
	default:
		return errKind()
	}
	if issuer == "" {
		return newError(ErrIssuerIDMissing, "%s keys need their Issuer ID: copy it from %s", kind.Label(), where)
	}
	if !uuidRE.MatchString(issuer) {
		return newError(ErrIssuerIDInvalid, "the Issuer ID is not a UUID (one looks like 57246542-96fe-1a63-e053-0824d011072a): copy it from %s", where)
	}
	return nil
}

// CheckKind checks that kind is one of core.Kinds.
func CheckKind(kind core.KeyKind) error {
	for _, k := range core.Kinds {
		if kind == k {
			return nil
		}
	}
	return errKind()
}

func errKind() error {
	return newError(ErrKindInvalid, "unknown key kind: choose Team, Individual or Enterprise; nothing in a key says which: Team keys are listed under Team Keys in App Store Connect, Individual keys under Individual Keys, and Enterprise keys come from an Apple Developer Enterprise Program account")
}

// CheckName returns the name trimmed of blank space, or an error when it is
// empty, longer than MaxNameLength characters, or holds anything
// core.SafeText would change: line breaks, tabs, control characters,
// invisible direction marks, invalid UTF-8. A name is printed in tables and
// messages as it is, so it is refused rather than quietly altered.
func CheckName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", newError(ErrNameMissing, "enter a name for the key, such as the team or app it belongs to")
	case core.SafeText(name) != name:
		return "", newError(ErrNameInvalid, "the name holds line breaks, tabs, control characters or invisible direction marks: use plain text")
	case utf8.RuneCountInString(name) > MaxNameLength:
		return "", newError(ErrNameInvalid, "the name is %d characters long: keep it to %d", utf8.RuneCountInString(name), MaxNameLength)
	}
	return name, nil
}
