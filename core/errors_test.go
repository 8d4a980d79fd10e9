package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/internal/sharedtest"
)

func TestAPIErrorWords(t *testing.T) {
	item := func(status, code string) []ErrorItem {
		return []ErrorItem{{Status: status, Code: code, Title: "Title from Apple", Detail: "Detail from Apple."}}
	}
	for _, tc := range []struct {
		err   *APIError
		is    func(error) bool
		words []string
	}{
		{&APIError{StatusCode: 401, Errors: item("401", "NOT_AUTHORIZED")}, IsUnauthorized,
			[]string{"401 NOT_AUTHORIZED", "rejected the key", "Key ID, Issuer ID or key kind is wrong", "revoked", "clock", "Apple said: Title from Apple: Detail from Apple."}},
		{&APIError{StatusCode: 403, Errors: item("403", "FORBIDDEN_ERROR")}, IsForbidden,
			[]string{"403 FORBIDDEN_ERROR", "role does not allow", "Individual keys cannot use provisioning", "Admin"}},
		{&APIError{StatusCode: 403, Errors: item("403", "FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED")}, IsForbidden,
			[]string{"agreement is missing or has expired", "Account Holder"}},
		{&APIError{StatusCode: 404, Errors: item("404", "NOT_FOUND")}, IsNotFound, []string{"no such item", "refresh the list"}},
		{&APIError{StatusCode: 409, Errors: item("409", "STATE_ERROR.ENTITY_STATE_INVALID")}, nil, []string{"409 STATE_ERROR.ENTITY_STATE_INVALID", "refused the change"}},
		{&APIError{StatusCode: 429, Errors: item("429", "RATE_LIMIT_EXCEEDED"), RateLimit: RateLimit{3600, 0, true}, RetryAfter: 90 * time.Second}, IsRateLimited,
			[]string{"rate limiting this key", "0 of 3600 requests left this hour", "try again in 1m30s"}},
		{&APIError{StatusCode: 429, Errors: item("429", "RATE_LIMIT_EXCEEDED")}, IsRateLimited, []string{"per hour", "try again"}},
		{&APIError{StatusCode: 500, Errors: item("500", "UNEXPECTED_ERROR")}, nil, []string{"Apple's servers had a problem (500 UNEXPECTED_ERROR): try again later"}},
		{&APIError{StatusCode: 503}, nil, []string{"Apple's servers had a problem (503): try again later"}},
		{&APIError{StatusCode: 400, Errors: []ErrorItem{{Code: "PARAMETER_ERROR.INVALID", Title: "A parameter has an invalid value", Source: &ErrorSource{Parameter: "filter[platform]"}}}}, nil,
			[]string{"did not accept the request", "check the filters", "(parameter filter[platform])"}},
	} {
		msg := tc.err.Error()
		for _, w := range tc.words {
			if !strings.Contains(msg, w) {
				t.Errorf("%d: %q does not say %q", tc.err.StatusCode, msg, w)
			}
		}
		if tc.is != nil && !tc.is(fmt.Errorf("listing: %w", tc.err)) {
			t.Errorf("%d: helper does not recognise the wrapped error", tc.err.StatusCode)
		}
	}
	// Apple's titles end with a full stop; the detail follows as a sentence.
	e := &APIError{StatusCode: 401, Errors: []ErrorItem{{Code: "NOT_AUTHORIZED", Title: "Authentication credentials are missing or invalid.", Detail: "Provide a properly configured and signed bearer token."}}}
	if !strings.Contains(e.Error(), "Apple said: Authentication credentials are missing or invalid. Provide a properly") {
		t.Errorf("joined badly: %s", e)
	}
	other := &APIError{StatusCode: 404}
	if IsUnauthorized(other) || IsForbidden(other) || IsRateLimited(other) || IsNotFound(errors.New("404")) {
		t.Error("helpers match the wrong errors")
	}
}

func TestHasCodeMatchesByPrefix(t *testing.T) {
	e := &APIError{StatusCode: 409, Errors: []ErrorItem{{Code: "ENTITY_ERROR.ATTRIBUTE.REQUIRED"}}}
	for prefix, want := range map[string]bool{
		"ENTITY_ERROR": true, "ENTITY_ERROR.ATTRIBUTE": true, "ENTITY_ERROR.ATTRIBUTE.REQUIRED": true,
		"ENTITY": false, "ENTITY_ERROR.ATTR": false, "STATE_ERROR": false,
	} {
		if e.HasCode(prefix) != want {
			t.Errorf("HasCode(%q) = %v", prefix, !want)
		}
	}
	// Codes, not statuses, decide when a proxy changed the status.
	if !IsForbidden(&APIError{StatusCode: 400, Errors: []ErrorItem{{Code: "FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED"}}}) {
		t.Error("FORBIDDEN.* code not recognised")
	}
}

func TestParseAPIErrorBodies(t *testing.T) {
	e := parseAPIError(404, "application/json", []byte(`{"errors":[{"status":"404","code":"NOT_FOUND","title":"The specified resource does not exist","source":{"pointer":"data/id"}}]}`), RateLimit{}, 0)
	if len(e.Errors) != 1 || e.Errors[0].Source.Pointer != "data/id" || e.ContentType != "" {
		t.Errorf("JSON body: %+v", e)
	}
	// JSON sent as text/plain is still read.
	if e := parseAPIError(401, "text/plain", []byte(`{"errors":[{"status":"401","code":"NOT_AUTHORIZED","title":"t"}]}`), RateLimit{}, 0); len(e.Errors) != 1 {
		t.Errorf("JSON as text: %+v", e)
	}
	// An HTML page without a content type is recognised and not kept.
	e = parseAPIError(502, "", []byte("<html><body>Bad gateway from nginx</body></html>"), RateLimit{}, 0)
	if e.ContentType != "text/html" || e.Text != "" || strings.Contains(e.Error(), "nginx") {
		t.Errorf("HTML body: %+v / %s", e, e)
	}
	// A token echoed back by some proxy never reaches the message.
	tok, _ := SignToken(testCreds(t, KindTeam), 0, time.Now())
	e = parseAPIError(406, "text/plain", []byte("Unacceptable header Authorization: Bearer "+tok), RateLimit{}, 0)
	if strings.Contains(e.Error(), tok) || !strings.Contains(e.Error(), "[token]") {
		t.Errorf("token not redacted: %s", e)
	}
	// Long plain text is cut.
	e = parseAPIError(406, "text/plain; charset=utf-8", []byte(strings.Repeat("x", 1000)), RateLimit{}, 0)
	if len([]rune(e.Text)) > 201 || e.ContentType != "text/plain" {
		t.Errorf("long text kept: %d runes, %q", len([]rune(e.Text)), e.ContentType)
	}
}

// Apple's error documents, as captured by Codemagic's tests, decode into
// ErrorItem with their codes and sources.
func TestErrorFixtures(t *testing.T) {
	for file, want := range map[string]string{
		"error_response.json":                      "NOT_FOUND",
		"error_response_entity_state_invalid.json": "STATE_ERROR.ENTITY_STATE_INVALID",
		"error_response_with_links.json":           "FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED",
	} {
		data := readFixture(t, "codemagic", file)
		var status struct {
			Errors []struct {
				Status string `json:"status"`
			} `json:"errors"`
		}
		json.Unmarshal(data, &status)
		var code int
		fmt.Sscan(status.Errors[0].Status, &code)
		e := parseAPIError(code, "application/json", data, RateLimit{}, 0)
		if e.Code() != want || !e.HasCode(strings.SplitN(want, ".", 2)[0]) {
			t.Errorf("%s: code %q, want %q", file, e.Code(), want)
		}
	}
}

// readFixture reads a captured Apple response from /work/shared/fixtures,
// skipping when it is not on this machine.
func readFixture(t *testing.T, parts ...string) []byte {
	t.Helper()
	path := filepath.Join(append([]string{fixturesPath}, parts...)...)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		sharedtest.Missing(t, "fixture %s is not on this machine (they live in /work/shared/fixtures): %v", path, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}
