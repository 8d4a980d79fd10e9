package storage

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/asckeys/asckeys/core"
)

// The environment variables of a key given in the environment (EnvKey):
// ASC Keys' own, and fastlane's (app_store_connect_api_key reads the same).
const (
	EnvKeyID      = "ASCKEYS_KEY_ID"
	EnvIssuerID   = "ASCKEYS_ISSUER_ID"
	EnvPrivateKey = "ASCKEYS_PRIVATE_KEY"

	FastlaneKeyID       = "APP_STORE_CONNECT_API_KEY_KEY_ID"
	FastlaneIssuerID    = "APP_STORE_CONNECT_API_KEY_ISSUER_ID"
	FastlaneKey         = "APP_STORE_CONNECT_API_KEY_KEY"
	FastlaneKeyFilepath = "APP_STORE_CONNECT_API_KEY_KEY_FILEPATH"
	FastlaneKeyBase64   = "APP_STORE_CONNECT_API_KEY_IS_KEY_CONTENT_BASE64"
	FastlaneInHouse     = "APP_STORE_CONNECT_API_KEY_IN_HOUSE"
)

// EnvKey reads a key given in the environment, for CI machines and
// containers that have no keychain and get the key from their secret store:
// ASCKEYS_KEY_ID, ASCKEYS_ISSUER_ID and ASCKEYS_PRIVATE_KEY (the key's PEM
// text, or the path of its .p8), or, when none of those is set, fastlane's
// APP_STORE_CONNECT_API_KEY_KEY_ID, _ISSUER_ID and _KEY (its content; base64
// when _IS_KEY_CONTENT_BASE64 is true) or _KEY_FILEPATH, with _IN_HOUSE for
// an enterprise key. Without an Issuer ID the key is an individual key. The
// key is read as a dropped file is (ParseKeyData: the same repairs), and
// Prepare checks it as any key. ok is false when no such variable is set.
// No message holds the key's text.
func EnvKey(getenv func(string) string) (nk NewKey, ok bool, err error) {
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	var (
		idVar, issuerVar, keyVar = EnvKeyID, EnvIssuerID, EnvPrivateKey
		keyID, issuer, key       = get(EnvKeyID), get(EnvIssuerID), getenv(EnvPrivateKey)
		base64Flag, path         bool
		kind                     = core.KindTeam
	)
	if keyID == "" && issuer == "" && strings.TrimSpace(key) == "" {
		idVar, issuerVar, keyVar = FastlaneKeyID, FastlaneIssuerID, FastlaneKey
		keyID, issuer, key = get(FastlaneKeyID), get(FastlaneIssuerID), getenv(FastlaneKey)
		if strings.TrimSpace(key) == "" && get(FastlaneKeyFilepath) != "" {
			keyVar, key, path = FastlaneKeyFilepath, get(FastlaneKeyFilepath), true
		}
		if keyID == "" && issuer == "" && strings.TrimSpace(key) == "" {
			return NewKey{}, false, nil
		}
		if base64Flag, err = envBool(getenv, FastlaneKeyBase64); err != nil {
			return NewKey{}, true, err
		}
		inHouse, err := envBool(getenv, FastlaneInHouse)
		if err != nil {
			return NewKey{}, true, err
		}
		if inHouse {
			kind = core.KindEnterprise
		}
	}
	var missing []string
	if keyID == "" {
		missing = append(missing, idVar)
	}
	if strings.TrimSpace(key) == "" {
		missing = append(missing, keyVar)
	}
	if len(missing) > 0 {
		return NewKey{}, true, fmt.Errorf("a key given in the environment needs %s: set %s too (and %s for a team key), or unset them all to use the linked keys",
			strings.Join([]string{idVar, keyVar}, " and "), strings.Join(missing, " and "), issuerVar)
	}
	if issuer == "" && kind == core.KindTeam {
		kind = core.KindIndividual
	}
	switch {
	case base64Flag:
		data, derr := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(key), ""))
		if derr != nil {
			return NewKey{}, true, &ValidationError{Field: FieldFile, Err: fmt.Errorf("%s says %s is base64, but it is not valid base64: set it to the .p8 file's content in base64 (base64 < AuthKey_XXXXXXXXXX.p8), or unset %s", FastlaneKeyBase64, keyVar, FastlaneKeyBase64)}
		}
		nk, err = ParseKeyData(keyVar, data)
	case path || looksLikePath(key):
		nk, err = ReadKeyFile(strings.TrimSpace(key))
		if err != nil {
			err = &ValidationError{Field: FieldFile, Err: fmt.Errorf("%s names a key file: %w", keyVar, err)}
		}
	default:
		nk, err = ParseKeyData(keyVar, []byte(key))
		if err != nil {
			err = &ValidationError{Field: FieldFile, Err: fmt.Errorf("%s holds no usable key: %w; give the .p8 file's text or its path", keyVar, errors.Unwrap(err))}
		}
	}
	if err != nil {
		return NewKey{}, true, err
	}
	nk.KeyID, nk.IssuerID, nk.Kind = keyID, issuer, kind
	return nk, true, nil
}

// looksLikePath tells a path from a key's text: one short line that is an
// existing file, or that reads like a path. Key text (PEM, base64) is
// longer and has no path separators in its first characters.
func looksLikePath(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 1024 || strings.ContainsAny(s, "\n\r") || strings.Contains(s, "-----") {
		return false
	}
	if _, err := os.Stat(s); err == nil {
		return true
	}
	lower := strings.ToLower(s)
	return strings.HasSuffix(lower, ".p8") || strings.HasSuffix(lower, ".json") ||
		strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~") || strings.HasPrefix(s, "./") || strings.HasPrefix(s, `.\`) ||
		(len(s) > 2 && s[1] == ':' && (s[2] == '\\' || s[2] == '/'))
}

// envBool reads a fastlane flag: true/false, yes/no, 1/0; empty is false.
func envBool(getenv func(string) string, name string) (bool, error) {
	v := strings.ToLower(strings.TrimSpace(getenv(name)))
	switch v {
	case "", "false", "no", "0":
		return false, nil
	case "yes":
		return true, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q is not true or false: set it to true or false", name, v)
	}
	return b, nil
}
