package keyfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/asckeys/asckeys/core"
)

// MaxTokenDuration is the longest token lifetime Apple accepts, in seconds;
// fastlane's "duration" may not exceed it.
const MaxTokenDuration = 1200

// FastlaneKey is an API key in fastlane's JSON form
// ({"key_id", "issuer_id", "key", "in_house", "duration"}). Its String and
// Format print no key material.
type FastlaneKey struct {
	KeyID    string
	IssuerID string       // empty for individual keys
	Kind     core.KeyKind // individual when issuer_id is absent, enterprise when in_house is true
	Key      *Key
	Duration int // token lifetime in seconds; 0 when the file gives none
}

// String describes the key without key material.
func (f *FastlaneKey) String() string {
	if f == nil {
		return "keyfile.FastlaneKey(nil)"
	}
	return fmt.Sprintf("keyfile.FastlaneKey{KeyID: %s, IssuerID: %s, Kind: %s, Duration: %d, Key: %v}", f.KeyID, f.IssuerID, f.Kind, f.Duration, f.Key)
}

// GoString keeps %#v from printing the private key.
func (f *FastlaneKey) GoString() string { return f.String() }

// Format makes every fmt verb print the redacted form.
func (f *FastlaneKey) Format(s fmt.State, _ rune) { fmt.Fprint(s, f.String()) }

const fastlaneShape = `a fastlane API key file looks like {"key_id": "2X9R4HXF34", "issuer_id": "57246542-96fe-1a63-e053-0824d011072a", "key": "-----BEGIN ..."}`

// fastlaneFile is the JSON as fastlane reads it (Spaceship::ConnectAPI::Token
// .from_json_file). Pointers tell absent fields from empty ones.
type fastlaneFile struct {
	KeyID              *string  `json:"key_id"`
	IssuerID           *string  `json:"issuer_id"`
	Key                *string  `json:"key"`
	Filepath           *string  `json:"filepath"`
	InHouse            *bool    `json:"in_house"`
	Duration           *float64 `json:"duration"`
	IsKeyContentBase64 *bool    `json:"is_key_content_base64"`
}

// ParseFastlane reads fastlane's API key JSON. The key text goes through
// Parse, so its repairs and refusals apply (and errors.Is matches the same
// sentinels); is_key_content_base64 is honoured; an absent issuer_id means an
// individual key and in_house true an enterprise key. The Key ID's shape is
// not checked here: call CheckKeyID for its warning.
func ParseFastlane(data []byte) (*FastlaneKey, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return nil, newError(ErrEmpty, "the fastlane API key file is empty: %s", fastlaneShape)
	case len(data) > MaxFileSize:
		return nil, newError(ErrTooLarge, "the file is %s, too large to be a fastlane API key file: %s", humanSize(len(data)), fastlaneShape)
	case bytes.TrimSpace(data)[0] != '{':
		return nil, newError(ErrFastlaneJSON, "the file is not a JSON object: %s", fastlaneShape)
	}
	var f fastlaneFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fastlaneJSONError(err)
	}
	out := &FastlaneKey{Kind: core.KindTeam}
	if f.KeyID == nil || strings.TrimSpace(*f.KeyID) == "" {
		return nil, newError(ErrFastlaneField, `the fastlane JSON has no "key_id": add the Key ID shown next to the key in %s`, ascKeysPage)
	}
	out.KeyID = strings.TrimSpace(*f.KeyID)
	if _, err := CheckKeyID(out.KeyID); err != nil {
		return nil, prefixed(`the fastlane JSON's "key_id": `, err)
	}
	if f.IssuerID != nil {
		out.IssuerID = strings.TrimSpace(*f.IssuerID)
	}
	if out.IssuerID == "" {
		out.Kind = core.KindIndividual
	}
	if f.InHouse != nil && *f.InHouse {
		out.Kind = core.KindEnterprise
	}
	if err := CheckIssuerID(out.Kind, out.IssuerID); err != nil {
		return nil, prefixed(`the fastlane JSON's "issuer_id": `, err)
	}
	if f.Duration != nil {
		d := *f.Duration
		if d != math.Trunc(d) || d < 1 || d > MaxTokenDuration {
			return nil, newError(ErrFastlaneField, `the fastlane JSON's "duration" must be a whole number of seconds from 1 to %d (20 minutes, Apple's limit): fix it or remove it`, MaxTokenDuration)
		}
		out.Duration = int(d)
	}
	if f.Key == nil || strings.TrimSpace(*f.Key) == "" {
		if f.Filepath != nil {
			return nil, newError(ErrFastlaneField, `the fastlane JSON points to a key file ("filepath") instead of holding the key: add that .p8 file itself`)
		}
		return nil, newError(ErrFastlaneField, `the fastlane JSON has no "key": put the contents of AuthKey_<KEYID>.p8 in it, or add the .p8 file itself`)
	}
	text := []byte(*f.Key)
	if f.IsKeyContentBase64 != nil && *f.IsKeyContentBase64 {
		decoded, ok := decodeBase64Loose(*f.Key)
		if !ok {
			return nil, newError(ErrFastlaneField, `the fastlane JSON says "is_key_content_base64": true, but its "key" is not base64: set it to false, or base64-encode the key`)
		}
		text = decoded
	}
	key, err := Parse(text)
	if err != nil {
		return nil, prefixed(`the "key" in the fastlane JSON: `, err)
	}
	out.Key = key
	return out, nil
}

// fastlaneJSONError explains a JSON decoding failure. It never quotes the
// input: the byte offset and the field name are enough to find the fault.
func fastlaneJSONError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return newError(ErrFastlaneJSON, "the file is not valid JSON (syntax error at byte %d): %s", syn.Offset, fastlaneShape)
	case errors.As(err, &typ):
		want := map[string]string{
			"in_house": "true or false", "is_key_content_base64": "true or false",
			"duration": "a number of seconds",
		}[typ.Field]
		if want == "" {
			want = "a string"
		}
		if typ.Field == "" {
			return newError(ErrFastlaneJSON, "the file is not a JSON object: %s", fastlaneShape)
		}
		return newError(ErrFastlaneField, "the fastlane JSON field %q must be %s: fix it in the file", typ.Field, want)
	}
	return newError(ErrFastlaneJSON, "the file is not valid JSON: %s", fastlaneShape)
}

// prefixed puts context before a refusal's message, keeping its sentinel.
func prefixed(prefix string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return &Error{Kind: e.Kind, msg: prefix + e.msg}
	}
	return fmt.Errorf("%s%w", prefix, err)
}

// fastlaneOut fixes the field order of exported files to fastlane's own.
type fastlaneOut struct {
	KeyID    string `json:"key_id"`
	IssuerID string `json:"issuer_id,omitempty"`
	Key      string `json:"key"`
	Duration int    `json:"duration,omitempty"`
	InHouse  bool   `json:"in_house"`
}

// MarshalFastlane writes f as fastlane's API key JSON, indented, ending in a
// newline. The result holds the private key: write it only where the user
// asked, with mode 0600.
func MarshalFastlane(f *FastlaneKey) ([]byte, error) {
	if f == nil || f.Key == nil || len(f.Key.PEM) == 0 {
		return nil, errors.New("exporting for fastlane: no key given")
	}
	if _, err := CheckKeyID(f.KeyID); err != nil {
		return nil, err
	}
	if err := CheckIssuerID(f.Kind, f.IssuerID); err != nil {
		return nil, err
	}
	if f.Duration < 0 || f.Duration > MaxTokenDuration {
		return nil, fmt.Errorf("exporting for fastlane: duration must be 0 to %d seconds", MaxTokenDuration)
	}
	out, err := json.MarshalIndent(fastlaneOut{
		KeyID:    strings.TrimSpace(f.KeyID),
		IssuerID: strings.TrimSpace(f.IssuerID),
		Key:      string(f.Key.PEM),
		Duration: f.Duration,
		InHouse:  f.Kind == core.KindEnterprise,
	}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("exporting for fastlane: %w", err)
	}
	return append(out, '\n'), nil
}
