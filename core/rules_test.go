package core

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// mustMention fails unless err is nil when words is empty, or err's message
// contains every word.
func mustMention(t *testing.T, name string, err error, words ...string) {
	t.Helper()
	if len(words) == 0 {
		if err != nil {
			t.Errorf("%s: refused: %v", name, err)
		}
		return
	}
	if err == nil {
		t.Errorf("%s: accepted, want a refusal mentioning %q", name, words)
		return
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: %q does not mention %q", name, err, w)
		}
	}
}

func TestCheckCertificateFitsProfile(t *testing.T) {
	// The table of APPLE-API.md "Writing", row by row, and one type that
	// does not fit each row.
	for _, tc := range []struct {
		profiles []string
		fit      []string
		misfit   string
	}{
		{[]string{"IOS_APP_DEVELOPMENT", "TVOS_APP_DEVELOPMENT"}, []string{"DEVELOPMENT", "IOS_DEVELOPMENT"}, "IOS_DISTRIBUTION"},
		{[]string{"IOS_APP_STORE", "TVOS_APP_STORE", "IOS_APP_ADHOC", "TVOS_APP_ADHOC"}, []string{"DISTRIBUTION", "IOS_DISTRIBUTION"}, "DEVELOPMENT"},
		{[]string{"IOS_APP_INHOUSE", "TVOS_APP_INHOUSE"}, []string{"IOS_DISTRIBUTION", "DISTRIBUTION"}, "MAC_APP_DISTRIBUTION"},
		{[]string{"MAC_APP_DEVELOPMENT", "MAC_CATALYST_APP_DEVELOPMENT"}, []string{"DEVELOPMENT", "MAC_APP_DEVELOPMENT"}, "IOS_DEVELOPMENT"},
		{[]string{"MAC_APP_STORE", "MAC_CATALYST_APP_STORE"}, []string{"DISTRIBUTION", "MAC_APP_DISTRIBUTION"}, "DEVELOPER_ID_APPLICATION"},
		{[]string{"MAC_APP_DIRECT", "MAC_CATALYST_APP_DIRECT"}, []string{"DEVELOPER_ID_APPLICATION", "DEVELOPER_ID_APPLICATION_G2"}, "MAC_APP_DISTRIBUTION"},
	} {
		for _, p := range tc.profiles {
			for _, c := range tc.fit {
				mustMention(t, p+"+"+c, CheckCertificateFitsProfile(p, c))
			}
			mustMention(t, p+"+"+tc.misfit, CheckCertificateFitsProfile(p, tc.misfit), tc.misfit, "choose a certificate of type "+strings.Join(tc.fit, " or "))
			if got := strings.Join(CertificateTypesForProfile(p), ","); got != strings.Join(tc.fit, ",") {
				t.Errorf("CertificateTypesForProfile(%s) = %s, want %s", p, got, strings.Join(tc.fit, ","))
			}
		}
	}
	// Every profile type of the spec has a rule.
	for _, p := range ProfileTypes() {
		if len(CertificateTypesForProfile(p)) == 0 {
			t.Errorf("no certificate types for %s", p)
		}
	}
	mustMention(t, "unknown profile type", CheckCertificateFitsProfile("MAC_APP_INHOUSE", "DISTRIBUTION"), "MAC_APP_INHOUSE", "choose one of IOS_APP_DEVELOPMENT")
	for _, p := range ProfileTypes() {
		mustMention(t, p, CheckProfileType(p))
	}
	mustMention(t, "lower case", CheckProfileType("ios_app_store"), "not a profile type", "IOS_APP_STORE")
	// The returned slice is a copy: changing it changes no rule.
	CertificateTypesForProfile("IOS_APP_STORE")[0] = "X"
	mustMention(t, "after changing a copy", CheckCertificateFitsProfile("IOS_APP_STORE", "DISTRIBUTION"))
}

func TestCheckProfileDevices(t *testing.T) {
	for _, tc := range []struct {
		profile string
		devices int
		words   []string
	}{
		{"IOS_APP_DEVELOPMENT", 2, nil},
		{"IOS_APP_DEVELOPMENT", 0, []string{"at least one device"}},
		{"TVOS_APP_ADHOC", 1, nil},
		{"IOS_APP_ADHOC", 0, []string{"at least one device"}},
		{"MAC_CATALYST_APP_DEVELOPMENT", 0, []string{"at least one device"}},
		{"IOS_APP_STORE", 0, nil},
		{"IOS_APP_STORE", 1, []string{"cannot list devices", "leave the devices out"}},
		{"IOS_APP_INHOUSE", 3, []string{"cannot list devices"}},
		{"MAC_APP_DIRECT", 1, []string{"cannot list devices"}},
		{"MAC_APP_DIRECT", 0, nil},
	} {
		mustMention(t, fmt.Sprintf("%s with %d devices", tc.profile, tc.devices), CheckProfileDevices(tc.profile, tc.devices), tc.words...)
	}
}

func TestNormalizeUDID(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"00008030-001A35E11A88003A", "00008030-001A35E11A88003A"},
		{"00008030-001a35e11a88003a", "00008030-001A35E11A88003A"},
		{"00008030001A35E11A88003A", "00008030-001A35E11A88003A"}, // pasted without the hyphen
		{" \"0123456789ABCDEF0123456789abcdef01234567\"\n", "0123456789abcdef0123456789abcdef01234567"},
		{"a1b2c3d4-e5f6-a7b8-c9d0-e1f2a3b4c5d6", "A1B2C3D4-E5F6-A7B8-C9D0-E1F2A3B4C5D6"},
		{"", ""},
		{"0123456789abcdef0123456789abcdef0123456", ""},   // 39 hex
		{"0123456789abcdef0123456789abcdef012345678", ""}, // 41 hex
		{"00008030-001A35E11A88003G", ""},
		{"0000803-0001A35E11A88003A", ""},
		{"a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", ""}, // a UUID without hyphens is ambiguous
		{"my iPhone", ""},
	} {
		got, err := NormalizeUDID(tc.in)
		if tc.want == "" {
			mustMention(t, fmt.Sprintf("%q", tc.in), err, "is not a device UDID", "40 hex digits")
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeUDID(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestCheckBundleIdentifier(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"com.example.app", nil},
		{"com.example-corp.My-App2", nil},
		{"com.example.*", nil},
		{"*", nil},
		{"app", nil},
		{"", []string{"empty"}},
		{"com.example.my_app", []string{"letters, digits, hyphens and dots"}},
		{"com.example app", []string{"letters, digits, hyphens and dots"}},
		{"com..example", []string{"reverse-DNS"}},
		{".com.example", []string{"reverse-DNS"}},
		{"com.example.", []string{"reverse-DNS"}},
		{"com.*.app", []string{"reverse-DNS"}},
		{"com.exämple.app", []string{"letters"}},
		{strings.Repeat("a", MaxBundleIdentifierLen), nil},
		{strings.Repeat("a", MaxBundleIdentifierLen+1), []string{"at most 155"}},
	} {
		mustMention(t, fmt.Sprintf("%.30q", tc.in), CheckBundleIdentifier(tc.in), tc.want...)
	}
}

func TestCheckProfileName(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"com.example.app AppStore", nil},
		{"Développement – équipe", nil},
		{strings.Repeat("é", MaxProfileNameRunes), nil},
		{"", []string{"needs a name"}},
		{"   ", []string{"needs a name"}},
		{strings.Repeat("a", MaxProfileNameRunes+1), []string{"101 characters", "at most 100"}},
		{"two\nlines", []string{"control characters"}},
		{"tab\there", []string{"control characters"}},
		{"bad \xff utf8", []string{"UTF-8"}},
	} {
		mustMention(t, fmt.Sprintf("%.30q", tc.in), CheckProfileName(tc.in), tc.want...)
	}
}

func TestCheckCertificateCreatable(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"DEVELOPMENT", nil},
		{"DISTRIBUTION", nil},
		{"IOS_DEVELOPMENT", nil},
		{"IOS_DISTRIBUTION", nil},
		{"MAC_APP_DEVELOPMENT", nil},
		{"MAC_APP_DISTRIBUTION", nil},
		{"MAC_INSTALLER_DISTRIBUTION", nil},
		{"", []string{"choose a certificate type"}},
		{"DEVELOPER_ID_APPLICATION", []string{"Account Holder", "Apple's website or in Xcode", "import it"}},
		{"DEVELOPER_ID_APPLICATION_G2", []string{"Account Holder"}},
		{"DEVELOPER_ID_KEXT", []string{"Account Holder"}},
		{"DEVELOPER_ID_INSTALLER", []string{"Account Holder"}},
		{"APPLE_PUSH_SERVICES", []string{"push notification", "APNs authentication key"}},
		{"APS_PRODUCTION", []string{"push notification"}},
		{"PASS_TYPE_ID", []string{"merchant or pass type ID"}},
		{"APPLE_PAY_MERCHANT_IDENTITY", []string{"merchant or pass type ID"}},
		{"developer_id_application", []string{"Account Holder"}},
		{"development", []string{"not a certificate type", "DEVELOPMENT"}},
		{"DISTRIBUTON", []string{"not a certificate type", "choose one of DISTRIBUTION, DEVELOPMENT"}},
	} {
		mustMention(t, tc.in, CheckCertificateCreatable(tc.in), tc.want...)
	}
}

func TestCreatableCertificateTypes(t *testing.T) {
	got := strings.Join(CreatableCertificateTypes(), ",")
	want := "DISTRIBUTION,DEVELOPMENT,IOS_DISTRIBUTION,IOS_DEVELOPMENT,MAC_APP_DISTRIBUTION,MAC_INSTALLER_DISTRIBUTION,MAC_APP_DEVELOPMENT,IDENTITY_ACCESS"
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestCheckProvisioningKey(t *testing.T) {
	for _, k := range Kinds {
		err := CheckProvisioningKey(k)
		if got, want := err != nil, !k.CanProvision(); got != want {
			t.Errorf("%s: refused %v, want %v", k, got, want)
		}
		if err != nil && !errors.Is(err, ErrIndividualKeyProvisioning) {
			t.Errorf("%s: %v", k, err)
		}
	}
	mustMention(t, "individual", CheckProvisioningKey(KindIndividual), "individual keys", "team key")
}

func TestPlatformAndStatusChecks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		check func(string) error
		in    string
		want  []string
	}{
		{"device", CheckDevicePlatform, "IOS", nil},
		{"device", CheckDevicePlatform, "MAC_OS", nil},
		{"device", CheckDevicePlatform, "UNIVERSAL", []string{"device platform", "IOS or MAC_OS"}},
		{"device", CheckDevicePlatform, "ios", []string{"IOS or MAC_OS"}},
		{"bundle", CheckBundleIDPlatform, "UNIVERSAL", nil},
		{"bundle", CheckBundleIDPlatform, "SERVICES", []string{"bundle ID platform", "IOS or MAC_OS or UNIVERSAL"}},
		{"status", CheckDeviceStatus, "DISABLED", nil},
		{"status", CheckDeviceStatus, "PROCESSING", []string{"ENABLED or DISABLED"}},
	} {
		mustMention(t, tc.name+" "+tc.in, tc.check(tc.in), tc.want...)
	}
}

func TestCertificateLimit(t *testing.T) {
	limit := &APIError{StatusCode: 409, Errors: []ErrorItem{{Status: "409", Code: "ENTITY_ERROR",
		Title:  "There is a problem with the request entity",
		Detail: "You already have a current Distribution certificate or a pending certificate request."}}}
	other409 := &APIError{StatusCode: 409, Errors: []ErrorItem{{Status: "409", Code: "ENTITY_ERROR.ATTRIBUTE.INVALID",
		Title: "There is a problem with the request entity", Detail: "CSR algorithm/size incorrect. Expected: RSA(2048)"}}}
	forbidden := &APIError{StatusCode: 403, Errors: []ErrorItem{{Status: "403", Code: "FORBIDDEN_ERROR",
		Detail: "You already have a current Distribution certificate"}}}
	for _, tc := range []struct {
		name  string
		err   error
		limit bool
	}{
		{"limit", limit, true},
		{"limit wrapped", fmt.Errorf("x: %w", limit), true},
		{"other 409", other409, false},
		{"403 with the words", forbidden, false},
		{"not an API error", errors.New("You already have a current"), false},
	} {
		got := certificateLimit("DISTRIBUTION", tc.err)
		var le *CertificateLimitError
		if errors.As(got, &le) != tc.limit {
			t.Errorf("%s: %v, want limit %v", tc.name, got, tc.limit)
			continue
		}
		if !tc.limit {
			if got != tc.err {
				t.Errorf("%s: changed to %v", tc.name, got)
			}
			continue
		}
		if le.Type != "DISTRIBUTION" || le.Err != limit {
			t.Errorf("%s: %+v", tc.name, le)
		}
		mustMention(t, tc.name, got, CertificateTypeLabel("DISTRIBUTION"), "DISTRIBUTION", "limit is reached", "revoke one")
	}
}
