package core

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseRateLimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want RateLimit
		ok   bool
	}{
		{"user-hour-lim:3600;user-hour-rem:3598;", RateLimit{3600, 3598, true}, true},
		{"user-hour-lim:3600;user-hour-rem:3598", RateLimit{3600, 3598, true}, true},
		{" user-hour-lim : 3600 ; user-hour-rem: 0 ; ", RateLimit{3600, 0, true}, true},
		{"user-hour-rem:12;user-minute-lim:50;user-hour-lim:3600;", RateLimit{3600, 12, true}, true},
		{"USER-HOUR-LIM:10;user-hour-rem:9;;", RateLimit{10, 9, true}, true},
		{"user-hour-lim:3600;", RateLimit{}, false},
		{"user-hour-lim:lots;user-hour-rem:1;", RateLimit{}, false},
		{"", RateLimit{}, false},
		{"garbage", RateLimit{}, false},
	} {
		got, ok := ParseRateLimit(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseRateLimit(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if s := (RateLimit{3600, 3598, true}).String(); s != "3598 of 3600 requests left this hour" {
		t.Errorf("String = %q", s)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		h    http.Header
		want time.Duration
	}{
		{http.Header{"Retry-After": {"7"}}, 7 * time.Second},
		{http.Header{"Retry-After": {"0"}}, 0},
		{http.Header{"Retry-After": {"-3"}}, 0},
		{http.Header{}, 0},
		{http.Header{"Retry-After": {"soon"}}, 0},
		// An HTTP date counts from now without a Date header ...
		{http.Header{"Retry-After": {now.Add(30 * time.Second).Format(http.TimeFormat)}}, 30 * time.Second},
		// ... and from the server's Date when there is one, whatever our clock says.
		{http.Header{
			"Retry-After": {now.Add(time.Hour + 20*time.Second).Format(http.TimeFormat)},
			"Date":        {now.Add(time.Hour).Format(http.TimeFormat)},
		}, 20 * time.Second},
		{http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0},
	} {
		if got := parseRetryAfter(tc.h, now); got != tc.want {
			t.Errorf("parseRetryAfter(%v) = %v, want %v", tc.h, got, tc.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	utc := func(s string) time.Time { v, _ := time.Parse(time.RFC3339Nano, s); return v }
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2019-11-29T13:56:50.220+0000", utc("2019-11-29T13:56:50.22Z")},
		{"2020-02-01T20:50:34.000+0000", utc("2020-02-01T20:50:34Z")},
		{"2020-02-01T20:50:34+0000", utc("2020-02-01T20:50:34Z")},
		{"2020-02-01T22:50:34.5+0200", utc("2020-02-01T20:50:34.5Z")},
		{"2020-02-01T20:50:34Z", utc("2020-02-01T20:50:34Z")},
		{"2020-02-01T20:50:34.123456Z", utc("2020-02-01T20:50:34.123456Z")},
		{"2020-02-01T21:50:34+01:00", utc("2020-02-01T20:50:34Z")},
		{" 2020-02-01T20:50:34.000-0000 ", utc("2020-02-01T20:50:34Z")},
	} {
		got, err := ParseTime(tc.in)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2020-13-01T00:00:00Z", "01/02/2020"} {
		if _, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}

func TestTimeJSONKeepsWhatAppleSent(t *testing.T) {
	var v struct {
		A, B, C, D Time
	}
	in := `{"A":"2019-11-29T13:56:50.220+0000","B":null,"C":"","D":"not a date"}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if v.A.IsZero() || v.A.UTC().Hour() != 13 || v.A.Nanosecond() != 220_000_000 {
		t.Errorf("A = %v", v.A.Time)
	}
	if !v.B.IsZero() || !v.C.IsZero() || !v.D.IsZero() || v.D.Raw != "not a date" {
		t.Errorf("null/empty/odd dates: %+v %+v %+v", v.B, v.C, v.D)
	}
	out, _ := json.Marshal(v)
	if want := `{"A":"2019-11-29T13:56:50.220+0000","B":null,"C":null,"D":"not a date"}`; string(out) != want {
		t.Errorf("marshal = %s, want %s", out, want)
	}
	if got := NewTime(time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC)).Raw; got != "2025-01-02T03:04:05.006+0000" {
		t.Errorf("NewTime raw = %q", got)
	}
}

func TestLabels(t *testing.T) {
	for _, tc := range []struct {
		f        func(string) string
		in, want string
	}{
		{CertificateTypeLabel, "DISTRIBUTION", "Apple Distribution"},
		{CertificateTypeLabel, "DEVELOPMENT", "Apple Development"},
		{CertificateTypeLabel, "IOS_DISTRIBUTION", "iOS Distribution"},
		{CertificateTypeLabel, "DEVELOPER_ID_APPLICATION", "Developer ID Application"},
		{CertificateTypeLabel, "DEVELOPER_ID_INSTALLER", "Developer ID Installer"},
		{CertificateTypeLabel, "SOMETHING_NEW", "SOMETHING_NEW"},
		{CertificateTypeLabel, "", "—"},
		{ProfileTypeLabel, "IOS_APP_STORE", "iOS App Store"},
		{ProfileTypeLabel, "IOS_APP_ADHOC", "iOS Ad Hoc"},
		{ProfileTypeLabel, "IOS_APP_DEVELOPMENT", "iOS Development"},
		{ProfileTypeLabel, "MAC_APP_STORE", "Mac App Store"},
		{ProfileTypeLabel, "MAC_APP_DIRECT", "Developer ID"},
		{ProfileTypeLabel, "MAC_APP_INHOUSE", "Mac In House"},
		{ProfileTypeLabel, "VISIONOS_APP_STORE", "VISIONOS_APP_STORE"},
		{PlatformLabel, "IOS", "iOS"},
		{PlatformLabel, "MAC_OS", "macOS"},
		{PlatformLabel, "MAC_OS_X", "macOS"},
		{PlatformLabel, "UNIVERSAL", "Universal"},
		{PlatformLabel, "SERVICES", "Services"},
		{PlatformLabel, "", "—"},
		{PlatformLabel, "CAR_OS", "CAR_OS"},
		{DeviceClassLabel, "IPHONE", "iPhone"},
		{DeviceClassLabel, "APPLE_VISION_PRO", "Apple Vision Pro"},
		{DeviceStatusLabel, "DISABLED", "Disabled"},
		{ProfileStateLabel, "EXPIRED", "Expired"},
	} {
		if got := tc.f(tc.in); got != tc.want {
			t.Errorf("label of %q = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Every enum value of Apple's spec has a label of its own, not the raw value.
func TestLabelsCoverTheSpec(t *testing.T) {
	spec := loadSpec(t)
	enum := func(schema, prop string) []string {
		var s struct {
			Enum       []string `json:"enum"`
			Properties map[string]struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(spec.Components.Schemas[schema], &s); err != nil {
			t.Fatal(err)
		}
		if prop == "" {
			return s.Enum
		}
		return s.Properties["attributes"].Properties[prop].Enum
	}
	for _, tc := range []struct {
		name   string
		values []string
		label  func(string) string
	}{
		{"CertificateType", enum("CertificateType", ""), CertificateTypeLabel},
		{"profileType", enum("Profile", "profileType"), ProfileTypeLabel},
		{"profileState", enum("Profile", "profileState"), ProfileStateLabel},
		{"BundleIdPlatform", enum("BundleIdPlatform", ""), PlatformLabel},
		{"deviceClass", enum("Device", "deviceClass"), DeviceClassLabel},
		{"device status", enum("Device", "status"), DeviceStatusLabel},
	} {
		if len(tc.values) == 0 {
			t.Fatalf("%s: no values found in the spec", tc.name)
		}
		for _, v := range tc.values {
			if got := tc.label(v); got == v || got == "" {
				t.Errorf("%s %s has no label", tc.name, v)
			}
		}
	}
	if got, want := strings.Join(CertificateTypes(), ","), enum("CertificateType", ""); len(CertificateTypes()) != len(want) {
		t.Errorf("CertificateTypes() = %s, want the %d of the spec", got, len(want))
	}
	if got, want := ProfileTypes(), enum("Profile", "profileType"); len(got) != len(want) {
		t.Errorf("ProfileTypes() = %v, want the %d of the spec", got, len(want))
	}
}

func TestExpiryOf(t *testing.T) {
	loc := time.FixedZone("UTC+2", 2*3600)
	now := time.Date(2025, 3, 10, 15, 0, 0, 0, loc)
	for _, tc := range []struct {
		exp   time.Time
		state ExpiryState
		days  int
		label string
	}{
		{time.Time{}, ExpiryUnknown, 0, "unknown"},
		{now.Add(-time.Minute), ExpiryExpired, 0, "expired"},
		{now, ExpiryExpired, 0, "expired"},
		{now.Add(-24 * time.Hour), ExpiryExpired, -1, "expired 1 day ago"},
		{now.AddDate(0, 0, -3), ExpiryExpired, -3, "expired 3 days ago"},
		{now.Add(time.Minute), ExpiryExpiringSoon, 0, "expires today"},
		// 00:30 local is tomorrow, although in UTC it is still today.
		{time.Date(2025, 3, 10, 22, 30, 0, 0, time.UTC), ExpiryExpiringSoon, 1, "in 1 day"},
		{time.Date(2025, 3, 10, 21, 30, 0, 0, loc), ExpiryExpiringSoon, 0, "expires today"},
		{time.Date(2025, 3, 11, 0, 30, 0, 0, loc), ExpiryExpiringSoon, 1, "in 1 day"},
		{now.AddDate(0, 0, 23), ExpiryExpiringSoon, 23, "in 23 days"},
		{now.AddDate(0, 0, 30), ExpiryExpiringSoon, 30, "in 30 days"},
		{now.AddDate(0, 0, 31), ExpiryValid, 31, "in 31 days"},
		{now.AddDate(1, 0, 0), ExpiryValid, 365, "in 365 days"},
	} {
		got := ExpiryOf(tc.exp, now)
		if got.State != tc.state || got.DaysLeft != tc.days || got.Label != tc.label {
			t.Errorf("ExpiryOf(%v) = %+v, want %v %d %q", tc.exp, got, tc.state, tc.days, tc.label)
		}
	}
	// The expiry comes from the date, not from Apple's profileState.
	p := Profile{ProfileState: "ACTIVE", ExpirationDate: NewTime(now.AddDate(0, 0, -2))}
	if e := p.Expiry(now); e.State != ExpiryExpired {
		t.Errorf("an ACTIVE profile past its date is %v", e.State)
	}
	c := Certificate{ExpirationDate: NewTime(now.AddDate(0, 0, 10))}
	if e := c.Expiry(now); e.State != ExpiryExpiringSoon || e.Label != "in 10 days" {
		t.Errorf("certificate expiry = %+v", e)
	}
}

func TestSafeFileName(t *testing.T) {
	long := strings.Repeat("é", 150) // 300 bytes
	for _, tc := range []struct{ in, want string }{
		{"iOS Distribution: Jane Doe", "iOS Distribution - Jane Doe"},
		{"a/b", "a-b"},
		{`a\b`, "a-b"},
		{"..", "unnamed"},
		{"../../etc/passwd", "-.-etc-passwd"},
		{"a..b", "a.b"},
		{".hidden", "hidden"},
		{"CON", "_CON"},
		{"con.txt", "_con.txt"},
		{"CON.txt", "_CON.txt"},
		{"LPT9.tar.gz", "_LPT9.tar.gz"},
		{"COM¹", "_COM¹"},
		{"CONSOLE", "CONSOLE"},
		{"COM10", "COM10"},
		{"name. . ", "name"},
		{"  spaced  ", "spaced"},
		{"tab\there\nnew\x00nul\x7f", "tab here new_nul_"},
		{"evil\u202etxt.exe", "evil_txt.exe"},
		{`what<>:"|?*`, "what__-____"},
		{"", "unnamed"},
		{"\x00\x01", "__"},
		{"bad\xffutf8", "bad_utf8"},
	} {
		if got := SafeFileName(tc.in); got != tc.want {
			t.Errorf("SafeFileName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	got := SafeFileName(long)
	if len(got) > MaxFileNameBytes || !utf8.ValidString(got) || len(got) < MaxFileNameBytes-1 {
		t.Errorf("300-byte name became %d bytes (valid UTF-8: %v)", len(got), utf8.ValidString(got))
	}
	for _, in := range []string{"x/..", ". .", "/", "a" + strings.Repeat(".", 300)} {
		if got := SafeFileName(in); got == "" || strings.ContainsAny(got, `/\`) || strings.Contains(got, "..") {
			t.Errorf("SafeFileName(%q) = %q", in, got)
		}
	}
}

func TestDownloadFileNames(t *testing.T) {
	c := Certificate{Name: "iOS Distribution: Josh Holtz", SerialNumber: "5cf4e617ee678abf", CertificateType: "IOS_DISTRIBUTION"}
	if got := CertificateFileName(c); got != "iOS Distribution - Josh Holtz (5CF4E617EE678ABF).cer" {
		t.Errorf("CertificateFileName = %q", got)
	}
	if got := CertificateFileName(Certificate{CertificateType: "DISTRIBUTION"}); got != "Apple Distribution.cer" {
		t.Errorf("nameless certificate = %q", got)
	}
	c.Name = strings.Repeat("ü", 200)
	if got := CertificateFileName(c); len(got) > MaxFileNameBytes || !strings.HasSuffix(got, " (5CF4E617EE678ABF).cer") || !utf8.ValidString(got) {
		t.Errorf("long name: %q (%d bytes)", got, len(got))
	}
	if got := ProfileFileName(Profile{UUID: "55b8fdb4-b7d2-402d-b48b-2523f7b9c384", Name: "x"}); got != "55b8fdb4-b7d2-402d-b48b-2523f7b9c384.mobileprovision" {
		t.Errorf("ProfileFileName = %q", got)
	}
	if got := ProfileFileName(Profile{UUID: "../../x"}); strings.Contains(got, "/") || strings.Contains(got, "..") {
		t.Errorf("ProfileFileName with a hostile UUID = %q", got)
	}
}
