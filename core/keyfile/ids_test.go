package keyfile

import (
	"errors"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core"
)

func TestKeyIDFromFilename(t *testing.T) {
	for in, want := range map[string]string{
		"AuthKey_2X9R4HXF34.p8":                       "2X9R4HXF34",
		"/home/me/Downloads/AuthKey_2X9R4HXF34.p8":    "2X9R4HXF34",
		`C:\Users\me\Downloads\AuthKey_ABCDE12345.p8`: "ABCDE12345",
		"ApiKey_ABCDE12345.p8":                        "ABCDE12345",
		"AuthKey_2X9R4HXF34 (1).p8":                   "2X9R4HXF34",
		"AuthKey_2X9R4HXF34-2.p8":                     "2X9R4HXF34",
		"authkey_2X9R4HXF34.P8":                       "2X9R4HXF34",
		"AuthKey_D485S484.p8":                         "D485S484",
		"key.p8":                                      "",
		"AuthKey_.p8":                                 "",
		"AuthKey_2X9R4HXF34.json":                     "",
		"AuthKey_2X9R/4HXF34.p8":                      "",
		"":                                            "",
	} {
		if got := KeyIDFromFilename(in); got != want {
			t.Errorf("KeyIDFromFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckKeyID(t *testing.T) {
	for _, tc := range []struct {
		in      string
		warning string
		err     error
	}{
		{"2X9R4HXF34", "", nil},
		{"  2X9R4HXF34\n", "", nil},
		{"", "", ErrKeyIDMissing},
		{"   ", "", ErrKeyIDMissing},
		{"D485S484", "8 characters", nil},
		{"2x9r4hxf34", "upper-case", nil},
		{"2X9R 4HXF34", "", ErrKeyIDInvalid},
		// Invisible characters would make the Key ID read as another.
		{"2X9R4\u202eHXF34", "", ErrKeyIDInvalid},
		{"2X9R4HXF34\u200f", "", ErrKeyIDInvalid},
		{"2X9R4HXF34\xff", "", ErrKeyIDInvalid},
		{strings.Repeat("A", 65), "", ErrKeyIDInvalid},
	} {
		warning, err := CheckKeyID(tc.in)
		if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("CheckKeyID(%q) error = %v, want %v", tc.in, err, tc.err)
		}
		if (tc.warning == "") != (warning == "") || !strings.Contains(warning, tc.warning) {
			t.Errorf("CheckKeyID(%q) warning = %q, want one with %q", tc.in, warning, tc.warning)
		}
		if err != nil && !strings.Contains(err.Error(), "App Store Connect API") {
			t.Errorf("CheckKeyID(%q) = %q does not say where to find the Key ID", tc.in, err)
		}
	}
}

func TestCheckIssuerID(t *testing.T) {
	const uuid = "57246542-96fe-1a63-e053-0824d011072a"
	for _, tc := range []struct {
		kind   core.KeyKind
		issuer string
		err    error
		msg    string
	}{
		{core.KindTeam, uuid, nil, ""},
		{core.KindEnterprise, " " + strings.ToUpper(uuid) + " ", nil, ""},
		{core.KindIndividual, "", nil, ""},
		{core.KindTeam, "", ErrIssuerIDMissing, "above the keys table"},
		{core.KindEnterprise, "", ErrIssuerIDMissing, "Enterprise keys need"},
		{core.KindTeam, "not-a-uuid", ErrIssuerIDInvalid, "Users and Access > Integrations > App Store Connect API"},
		{core.KindTeam, uuid + "0", ErrIssuerIDInvalid, "not a UUID"},
		{core.KindIndividual, uuid, ErrIssuerIDUnexpected, "leave it empty"},
		{"robot", uuid, ErrKindInvalid, "Team, Individual or Enterprise"},
	} {
		err := CheckIssuerID(tc.kind, tc.issuer)
		if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("CheckIssuerID(%s, %q) = %v, want %v", tc.kind, tc.issuer, err, tc.err)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("CheckIssuerID(%s, %q) = %q, want it to say %q", tc.kind, tc.issuer, err, tc.msg)
		}
		if err != nil && tc.issuer != "" && strings.Contains(err.Error(), strings.TrimSpace(tc.issuer)) {
			t.Errorf("message echoes the value typed: %q", err)
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"  Acme Inc  ", "Acme Inc", nil},
		{"Ünïcødé 🚀", "Ünïcødé 🚀", nil},
		{"", "", ErrNameMissing},
		{" \t ", "", ErrNameMissing},
		{"two\nlines", "", ErrNameInvalid},
		// What a terminal or a reader must not get, as SafeText defines it.
		{"Acme\x1b]0;owned\x07", "", ErrNameInvalid},
		{"Acme\u009b2J", "", ErrNameInvalid},
		{"evil\u202egpj.exe", "", ErrNameInvalid},
		{"isolate\u2066x\u2069", "", ErrNameInvalid},
		{"line\u2028sep", "", ErrNameInvalid},
		{"tab\tinside", "", ErrNameInvalid},
		{"bad \xff utf8", "", ErrNameInvalid},
		{strings.Repeat("é", MaxNameLength), strings.Repeat("é", MaxNameLength), nil},
		{strings.Repeat("é", MaxNameLength+1), "", ErrNameInvalid},
	} {
		got, err := CheckName(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("CheckName(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestCheckKind(t *testing.T) {
	for _, k := range core.Kinds {
		if err := CheckKind(k); err != nil {
			t.Errorf("CheckKind(%s) = %v", k, err)
		}
	}
	if err := CheckKind("Team"); !errors.Is(err, ErrKindInvalid) {
		t.Errorf("CheckKind(Team) = %v, want ErrKindInvalid", err)
	}
}
