package core

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// Fuzz targets for everything that reads what a server or a person hands the
// program: App Store Connect's list pages and content documents (with their
// status, Content-Type, Retry-After and X-Rate-Limit), X-Rate-Limit itself,
// dates and file names. The committed seed corpora are in
// testdata/fuzz/FuzzXxx; `go test` runs them, scripts/fuzz.sh fuzzes each
// target for a bounded time.

// cannedTransport answers every request in memory with one canned response,
// so the fuzzer drives the client's real decoding path (getJSON, listAll,
// the converters, the error parsing) without a network. Requests after the
// third get an empty last page, so a body whose next link keeps changing
// cannot make one input run for 10,000 pages.
type cannedTransport struct {
	status int
	header http.Header
	body   []byte
	calls  int
	token  string // the last bearer token sent
}

func (ct *cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ct.calls++
	ct.token = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	status, body := ct.status, ct.body
	if ct.calls > 3 {
		status, body = 200, []byte(`{"data":[],"links":{"self":"x"}}`)
	}
	return &http.Response{
		StatusCode: status, Header: ct.header.Clone(), Request: r,
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
	}, nil
}

// fuzzClient returns a client whose every request gets the canned answer. It
// shares ts so that the key is not signed for anew on every input, and never
// sleeps between retries.
func fuzzClient(ts *TokenSource, creds Credentials, ct *cannedTransport) *Client {
	return NewClient(creds,
		WithBaseURL("https://api.appstoreconnect.apple.com"),
		WithHTTPClient(&http.Client{Transport: ct}),
		WithTokenSource(ts),
		WithRetry(RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond}),
		WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
}

// cannedStatus maps any number onto an HTTP status from 100 to 599.
func cannedStatus(n uint16) int { return 100 + int(n)%500 }

func cannedHeader(contentType, retryAfter, rateLimit string) http.Header {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	if rateLimit != "" {
		h.Set("X-Rate-Limit", rateLimit)
	}
	return h
}

// checkFuzzError holds for every error the client returns: it says
// something, and it never carries the bearer token that was sent.
func checkFuzzError(t *testing.T, what string, err error, token string) {
	t.Helper()
	msg := err.Error()
	if strings.TrimSpace(msg) == "" {
		t.Fatalf("%s: an empty error message (%T)", what, err)
	}
	if token != "" && strings.Contains(msg, token) {
		t.Fatalf("%s: the error carries the bearer token: %q", what, msg)
	}
}

// FuzzListPage feeds an arbitrary answer (status, Content-Type, Retry-After,
// X-Rate-Limit, body) to every list and to Verify. None may panic; each
// returns a list or an error with words and no token; only a success status
// yields a list; a rate limit header that parses is what the client reports.
func FuzzListPage(f *testing.F) {
	for _, s := range []struct {
		status          uint16
		ct, ra, rl, doc string
	}{
		{100, "application/json", "", "user-hour-lim:3600;user-hour-rem:3599;",
			`{"data":[{"type":"profiles","id":"P1","attributes":{"name":"App Store","profileType":"IOS_APP_STORE","uuid":"9B3A1C0E-0F6C-4E0A-8C55-3A3C8E2F9D11","expirationDate":"2026-11-29T13:56:50.220+0000"},` +
				`"relationships":{"bundleId":{"data":{"type":"bundleIds","id":"B1"}},"certificates":{"data":[{"type":"certificates","id":"C1"}],"meta":{"paging":{"total":3,"limit":50}}},"devices":{"data":[]}}}],` +
				`"included":[{"type":"bundleIds","id":"B1","attributes":{"identifier":"com.example.app"}}],"links":{"self":"https://api.appstoreconnect.apple.com/v1/profiles"},"meta":{"paging":{"total":1,"limit":200}}}`},
		{100, "application/json", "", "", `{"data":[{"type":"certificates","id":"C1","attributes":{"serialNumber":"5CF4E617EE678ABF","expirationDate":"2025-01-01T00:00:00Z","activated":true}}],"links":{"next":"https://api.appstoreconnect.apple.com/v1/certificates?cursor=AQ"}}`},
		{100, "application/json", "", "", `{"data":[],"links":{"next":"https://evil.example/v1/devices?cursor=x"}}`},
		{100, "application/json", "", "", `{"data":[{"type":"devices","id":"D1","attributes":{"addedDate":null,"udid":"00008030"}}],"links":{"next":"a/"}}`},
		{329, "application/json", "", "user-hour-lim:3600;user-hour-rem:0;", `{"errors":[{"status":"429","code":"RATE_LIMIT_EXCEEDED","title":"The request rate limit has been reached."}]}`},
		{403, "application/json", "", "", `{"errors":[{"id":"x","status":"503","code":"UNEXPECTED_ERROR","title":"An unexpected error occurred.","detail":"eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln"}]}`},
		{402, "text/html", "", "", "<html><body><h1>502 Bad Gateway</h1></body></html>"},
		{100, "text/html; charset=utf-8", "", "", "<!DOCTYPE html><html><body>Sign in to the Wi-Fi</body></html>"},
		{403, "text/plain", "Wed, 21 Oct 2015 07:28:00 GMT", "", "Service Unavailable"},
		{301, "", "120", "", `{"errors":[{"status":"401","code":"NOT_AUTHORIZED","title":"Authentication credentials are missing or invalid."}]}`},
		{100, "application/json", "", "", `{"data":[{"type":"profiles","id":"P1","attributes":{"name":"Cut`},
		{306, "text/plain", "", "", "Not Acceptable"},
	} {
		f.Add(s.status, s.ct, s.ra, s.rl, []byte(s.doc))
	}
	creds := testCreds(f, KindTeam)
	ts := NewTokenSource(creds, time.Now)
	f.Fuzz(func(t *testing.T, rawStatus uint16, contentType, retryAfter, rateLimit string, body []byte) {
		status := cannedStatus(rawStatus)
		success := status >= 200 && status < 300
		ctx := context.Background()
		lists := []struct {
			name string
			call func(c *Client) (int, *Response, error)
		}{
			{"certificates", func(c *Client) (int, *Response, error) { l, r, e := c.Certificates.List(ctx, nil); return len(l), r, e }},
			{"profiles", func(c *Client) (int, *Response, error) { l, r, e := c.Profiles.List(ctx, nil); return len(l), r, e }},
			{"bundle IDs", func(c *Client) (int, *Response, error) { l, r, e := c.BundleIDs.List(ctx, nil); return len(l), r, e }},
			{"devices", func(c *Client) (int, *Response, error) { l, r, e := c.Devices.List(ctx, nil); return len(l), r, e }},
			{"verify", func(c *Client) (int, *Response, error) { v, r, e := c.Verify(ctx); return v.Certificates, r, e }},
		}
		for _, l := range lists {
			ct := &cannedTransport{status: status, header: cannedHeader(contentType, retryAfter, rateLimit), body: body}
			c := fuzzClient(ts, creds, ct)
			n, resp, err := l.call(c)
			if err != nil {
				checkFuzzError(t, l.name, err, ct.token)
				if n != 0 {
					t.Fatalf("%s: %d items returned with the error %v", l.name, n, err)
				}
				continue
			}
			if !success {
				t.Fatalf("%s: status %d answered with a list of %d", l.name, status, n)
			}
			if resp == nil || resp.Requests < 1 || resp.Pages < 1 {
				t.Fatalf("%s: a list without its exchanges: %+v", l.name, resp)
			}
			if want, ok := ParseRateLimit(rateLimit); ok && c.LastRateLimit() != want {
				t.Fatalf("%s: rate limit %+v reported, the header says %+v", l.name, c.LastRateLimit(), want)
			}
		}
	})
}

// fuzzSerial is the serial number of the certificate FuzzContent's listing
// shows; fuzzUUID the UUID of its profile.
const (
	fuzzSerial = "5CF4E617EE678ABF"
	fuzzUUID   = "9B3A1C0E-0F6C-4E0A-8C55-3A3C8E2F9D11"
)

// contentDocument is a single-resource answer carrying content.
func contentDocument(typ, attr string, content []byte, extra string) []byte {
	return fmt.Appendf(nil, `{"data":{"type":%q,"id":"X1","attributes":{%q:%q%s}},"links":{"self":"x"}}`,
		typ, attr, base64.StdEncoding.EncodeToString(content), extra)
}

// FuzzContent feeds an arbitrary document to the certificate and profile
// downloads' content decoding. None may panic; whatever is accepted is what
// the listing promised: DER that parses as X.509 with the listed serial, or
// a signed profile whose UUID is the listed one. Refusals have words.
func FuzzContent(f *testing.F) {
	serial, _ := new(big.Int).SetString(fuzzSerial, 16)
	der := makeCertificate(f, serial, "Apple Distribution: Example Corp (A1B2C3D4E5)")
	profile := makeProfile(f, fuzzUUID, "App Store")
	for _, doc := range [][]byte{
		contentDocument("certificates", "certificateContent", der, `,"serialNumber":"`+fuzzSerial+`"`),
		contentDocument("profiles", "profileContent", profile, `,"uuid":"`+fuzzUUID+`"`),
		contentDocument("certificates", "certificateContent", der[:len(der)/2], ""),
		contentDocument("profiles", "profileContent", []byte("not CMS at all"), ""),
		[]byte(`{"data":{"type":"certificates","id":"X1","attributes":{"certificateContent":null}}}`),
		[]byte(`{"data":{"type":"profiles","id":"X1","attributes":{"profileContent":"!!!not base64!!!"}}}`),
		[]byte(`{"data":[]}`),
	} {
		f.Add(doc)
	}
	creds := testCreds(f, KindTeam)
	ts := NewTokenSource(creds, time.Now)
	cert := Certificate{ID: "X1", Name: "Apple Distribution: Example Corp", SerialNumber: fuzzSerial}
	prof := Profile{ID: "X1", Name: "App Store", UUID: fuzzUUID}
	f.Fuzz(func(t *testing.T, body []byte) {
		ctx := context.Background()
		ct := &cannedTransport{status: 200, header: cannedHeader("application/json", "", ""), body: body}
		c := fuzzClient(ts, creds, ct)
		data, _, err := c.Certificates.Content(ctx, cert)
		if err != nil {
			checkFuzzError(t, "certificate", err, ct.token)
		} else {
			got, perr := x509.ParseCertificate(data)
			if perr != nil {
				t.Fatalf("accepted certificate content that is not X.509: %v", perr)
			}
			if got.SerialNumber.Cmp(serial) != 0 {
				t.Fatalf("accepted a certificate with serial %X for the listed %s", got.SerialNumber, fuzzSerial)
			}
		}
		ct = &cannedTransport{status: 200, header: cannedHeader("application/json", "", ""), body: body}
		c = fuzzClient(ts, creds, ct)
		data, _, err = c.Profiles.Content(ctx, prof)
		if err != nil {
			checkFuzzError(t, "profile", err, ct.token)
			return
		}
		info, perr := ParseProfile(data)
		if perr != nil {
			t.Fatalf("accepted profile content that does not parse: %v", perr)
		}
		if !strings.EqualFold(strings.TrimSpace(info.UUID), fuzzUUID) {
			t.Fatalf("accepted a profile with UUID %q for the listed %s", info.UUID, fuzzUUID)
		}
	})
}

// FuzzParseProfile feeds arbitrary bytes to the .mobileprovision reader (CMS,
// then a property list): it must refuse or read, never panic.
func FuzzParseProfile(f *testing.F) {
	f.Add(makeProfile(f, fuzzUUID, "App Store"))
	f.Add([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02})
	f.Add([]byte("<?xml version=\"1.0\"?><plist><dict><key>UUID</key><string>x</string></dict></plist>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := ParseProfile(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error message")
			}
			if info.UUID != "" || info.Name != "" {
				t.Fatalf("a refusal that still returned %+v", info)
			}
		}
	})
}

// FuzzParseRateLimit: ParseRateLimit never panics; what it accepts is known
// and not negative, and writing it out in Apple's form reads back the same;
// any well-formed header, in either order and with spaces, reads back the
// numbers it was made from.
func FuzzParseRateLimit(f *testing.F) {
	for _, s := range []string{
		"user-hour-lim:3600;user-hour-rem:3598;",
		"user-hour-lim:3600;user-hour-rem:0",
		" USER-HOUR-REM : 12 ; user-hour-lim:3600 ; ",
		"user-hour-lim:3600;",
		"user-hour-lim:-1;user-hour-rem:5;",
		"user-hour-lim:99999999999999999999999;user-hour-rem:1;",
		"user-hour-lim:3600;user-hour-rem:3598;user-hour-lim:10;",
		";;::;",
		"",
	} {
		f.Add(s, uint32(3600), uint32(3599))
	}
	f.Fuzz(func(t *testing.T, s string, lim, rem uint32) {
		rl, ok := ParseRateLimit(s)
		if !ok && rl != (RateLimit{}) {
			t.Fatalf("refused %q but returned %+v", s, rl)
		}
		if ok {
			if !rl.Known || rl.Limit < 0 || rl.Remaining < 0 {
				t.Fatalf("%q read as %+v", s, rl)
			}
			again, ok := ParseRateLimit(fmt.Sprintf("user-hour-lim:%d;user-hour-rem:%d;", rl.Limit, rl.Remaining))
			if !ok || again != rl {
				t.Fatalf("%q read as %+v, written out and read back as %+v", s, rl, again)
			}
			if str := rl.String(); !strings.Contains(str, fmt.Sprint(rl.Remaining)) || !strings.Contains(str, fmt.Sprint(rl.Limit)) {
				t.Fatalf("%+v prints as %q", rl, str)
			}
		}
		want := RateLimit{Limit: int(lim), Remaining: int(rem), Known: true}
		for _, h := range []string{
			fmt.Sprintf("user-hour-lim:%d;user-hour-rem:%d;", lim, rem),
			fmt.Sprintf(" user-hour-rem : %d ;User-Hour-Lim:%d", rem, lim),
		} {
			if got, ok := ParseRateLimit(h); !ok || got != want {
				t.Fatalf("well-formed %q read as %+v, %v", h, got, ok)
			}
		}
	})
}

// FuzzParseTime: ParseTime never panics, and any date it accepts reads back
// as the same instant when written as RFC 3339 and, to the millisecond, in
// Apple's format; a Time keeps the text it was given through JSON, made safe
// by SafeText.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2019-11-29T13:56:50.220+0000",
		"2019-11-29T13:56:50+0000",
		"2019-11-29T13:56:50Z",
		"2019-11-29T13:56:50.22+01:00",
		"2019-11-29T13:56:50.123456789-07:00",
		"2019-11-29T13:56:50+01",
		"2019-11-29T13:56:50",
		"  2019-11-29T13:56:50Z\n",
		"2019-02-30T00:00:00Z",
		"0000-01-01T00:00:00+2359",
		"9999-12-31T23:59:59.999-2359",
		"null",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)
		if err == nil {
			rfc := tm.Format(time.RFC3339Nano)
			back, err := ParseTime(rfc)
			if err != nil || !back.Equal(tm) {
				t.Fatalf("%q read as %v; written as %q it reads back as %v, %v", s, tm, rfc, back, err)
			}
			apple := NewTime(tm)
			if tm.IsZero() {
				if apple.Raw != "" {
					t.Fatalf("the zero time %q written as %q", s, apple.Raw)
				}
			} else if back, err := ParseTime(apple.Raw); err != nil || !back.Equal(tm.Add(-time.Duration(tm.Nanosecond()%1e6))) {
				t.Fatalf("%q read as %v; in Apple's format %q it reads back as %v, %v", s, tm, apple.Raw, back, err)
			}
		} else if err.Error() == "" {
			t.Fatal("an empty error message")
		}
		if !utf8.ValidString(s) {
			return // JSON cannot carry it unchanged
		}
		doc, _ := json.Marshal(s)
		var jt Time
		if err := json.Unmarshal(doc, &jt); err != nil {
			t.Fatalf("the date %s in JSON: %v", doc, err)
		}
		if jt.Raw != SafeText(s) || !jt.Time.Equal(tm) {
			t.Fatalf("%s read from JSON as %q, %v; want %q, %v", doc, jt.Raw, jt.Time, SafeText(s), tm)
		}
		safeDoc, _ := json.Marshal(SafeText(s))
		out, err := json.Marshal(jt)
		if err != nil || !bytes.Equal(out, safeDoc) && s != "" {
			t.Fatalf("%s written back as %s, %v", doc, out, err)
		}
	})
}

// windowsDevice reports, independently of the code under test, whether
// Windows would open a device for a file of this name: CON, PRN, AUX, NUL,
// COM0-9, LPT0-9 (also with superscript digits), CONIN$ and CONOUT$, with any
// extension and with trailing spaces or dots.
func windowsDevice(name string) bool {
	stem := strings.ToUpper(strings.TrimRight(strings.SplitN(name, ".", 2)[0], " ."))
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	for _, p := range []string{"COM", "LPT"} {
		if rest, ok := strings.CutPrefix(stem, p); ok && utf8.RuneCountInString(rest) == 1 && strings.ContainsAny(rest, "0123456789¹²³") {
			return true
		}
	}
	return false
}

// checkFileName asserts what every file name the program makes must be.
func checkFileName(t *testing.T, from, name string) {
	t.Helper()
	fail := func(why string) { t.Fatalf("%q became %q: %s", from, name, why) }
	switch {
	case name == "":
		fail("empty")
	case name == "." || name == "..":
		fail("a folder reference")
	case strings.Contains(name, ".."):
		fail("contains ..")
	case len(name) > MaxFileNameBytes:
		fail(fmt.Sprintf("%d bytes, over %d", len(name), MaxFileNameBytes))
	case !utf8.ValidString(name):
		fail("not valid UTF-8")
	case strings.ContainsAny(name, `/\:<>"|?*`):
		fail("holds a separator or a character Windows forbids")
	case strings.HasPrefix(name, ".") || strings.HasPrefix(name, " "):
		fail("hidden, or starts with a space")
	case strings.HasSuffix(name, ".") || strings.HasSuffix(name, " "):
		fail("ends with a dot or a space, which Windows drops")
	case windowsDevice(name):
		fail("a Windows device name")
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			fail(fmt.Sprintf("holds the character %U", r))
		}
	}
}

// FuzzSafeFileName: whatever name App Store Connect sends, the file name made
// from it is safe on every desktop (checkFileName), and making it safe twice
// changes nothing; the certificate and profile file names built on it are
// safe too.
func FuzzSafeFileName(f *testing.F) {
	for _, s := range []string{
		"iOS Distribution: Jane Appleseed (A1B2C3D4E5)",
		"../../etc/passwd",
		"..",
		".",
		"",
		" . ",
		"CON",
		"con.txt",
		"LPT¹.p",
		"COM1 .tar.gz",
		"a\x00b\x1fc\u202ed\u200b",
		"line\nbreak\ttab",
		"\xff\xfe bad UTF-8",
		"name.",
		strings.Repeat("é", 150),
		strings.Repeat("a", 199) + "€",
		"CON" + strings.Repeat(".", 300),
		"what?<>|*\"",
	} {
		f.Add(s, "5cf4e617ee678abf")
	}
	f.Fuzz(func(t *testing.T, s, serial string) {
		safe := SafeFileName(s)
		checkFileName(t, s, safe)
		if again := SafeFileName(safe); again != safe {
			t.Fatalf("%q became %q, then %q: not idempotent", s, safe, again)
		}
		certName := CertificateFileName(Certificate{Name: s, SerialNumber: serial})
		checkFileName(t, s, certName)
		if !strings.HasSuffix(certName, ".cer") {
			t.Fatalf("certificate file %q lacks .cer", certName)
		}
		profName := ProfileFileName(Profile{UUID: s})
		checkFileName(t, s, profName)
		if !strings.HasSuffix(profName, ".mobileprovision") {
			t.Fatalf("profile file %q lacks .mobileprovision", profName)
		}
	})
}

// A canned answer must reach the code under test as sent: the harness itself
// is checked once, so that a broken harness cannot make the fuzz targets
// vacuous.
func TestFuzzHarnessDeliversTheAnswer(t *testing.T) {
	creds := testCreds(t, KindTeam)
	ts := NewTokenSource(creds, time.Now)
	body := []byte(`{"data":[{"type":"devices","id":"D1","attributes":{"name":"iPhone"}}],"links":{}}`)
	ct := &cannedTransport{status: 200, header: cannedHeader("application/json", "", "user-hour-lim:10;user-hour-rem:9;"), body: body}
	devs, _, err := fuzzClient(ts, creds, ct).Devices.List(context.Background(), nil)
	if err != nil || len(devs) != 1 || devs[0].Name != "iPhone" || ct.token == "" {
		t.Fatalf("the canned page came through as %+v, %v (token sent: %v)", devs, err, ct.token != "")
	}
	ct = &cannedTransport{status: 503, header: cannedHeader("text/plain", "", ""), body: []byte("down")}
	_, _, err = fuzzClient(ts, creds, ct).Devices.List(context.Background(), nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || ct.calls != 2 {
		t.Fatalf("a canned 503: %v after %d calls", err, ct.calls)
	}
}
