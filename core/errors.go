package core

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrIndividualKeyProvisioning is returned, before any request is made, when
// an individual key is asked to list or download certificates, profiles,
// bundle IDs or devices.
var ErrIndividualKeyProvisioning = errors.New("Apple does not let individual keys use provisioning " +
	"(certificates, profiles, bundle IDs, devices): create a team key in App Store Connect " +
	"(Users and Access > Integrations > App Store Connect API > Team Keys) with the Admin or Developer role, and add it here")

// ErrorSource points at the part of a request an error is about.
type ErrorSource struct {
	Pointer   string `json:"pointer,omitempty"`
	Parameter string `json:"parameter,omitempty"`
}

// ErrorItem is one entry of App Store Connect's "errors" array. Status is a
// string in Apple's documents ("401").
type ErrorItem struct {
	ID     string       `json:"id,omitempty"`
	Status string       `json:"status"`
	Code   string       `json:"code"`
	Title  string       `json:"title"`
	Detail string       `json:"detail,omitempty"`
	Source *ErrorSource `json:"source,omitempty"`
}

// APIError is an answer from App Store Connect that was not a success, with
// what Apple said about it. Use errors.As to reach it, or the Is* helpers.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Errors are Apple's error entries; empty when the body was not JSON.
	Errors []ErrorItem
	// RateLimit is what X-Rate-Limit said on this answer.
	RateLimit RateLimit
	// RetryAfter is what Retry-After said, zero when absent.
	RetryAfter time.Duration
	// ContentType is the body's media type when it was not JSON
	// ("text/plain", "text/html"), empty otherwise.
	ContentType string
	// Text is the start of a plain-text body, shown to people; HTML is never
	// kept.
	Text string
}

// HasCode reports whether any error entry's code is prefix or starts with
// prefix followed by a dot: HasCode("PARAMETER_ERROR") matches
// "PARAMETER_ERROR.INVALID". Apple refines codes by adding dotted parts, so
// callers match by prefix.
func (e *APIError) HasCode(prefix string) bool {
	for _, it := range e.Errors {
		if it.Code == prefix || strings.HasPrefix(it.Code, prefix+".") {
			return true
		}
	}
	return false
}

// Code is the first error entry's code, or "".
func (e *APIError) Code() string {
	if len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Code
}

// Error says what happened and what to do, then what Apple said.
func (e *APIError) Error() string {
	var b strings.Builder
	status := strconv.Itoa(e.StatusCode)
	if c := e.Code(); c != "" {
		status += " " + c
	}
	switch s := e.StatusCode; {
	case s == 401:
		fmt.Fprintf(&b, "App Store Connect rejected the key (%s): the Key ID, Issuer ID or key kind is wrong, the key was revoked, or this computer's clock is wrong", status)
	case s == 403 && e.HasCode(codeAgreementMissing):
		fmt.Fprintf(&b, "App Store Connect refused this request (%s): a required agreement is missing or has expired; the Account Holder must accept it in App Store Connect (Business)", status)
	case s == 403:
		fmt.Fprintf(&b, "App Store Connect refused this request (%s): the key's role does not allow it. Individual keys cannot use provisioning at all, and only Admin keys may download distribution certificates and profiles", status)
	case s == 404:
		fmt.Fprintf(&b, "App Store Connect has no such item (%s): it may have been deleted or revoked; refresh the list", status)
	case s == 409:
		fmt.Fprintf(&b, "App Store Connect refused the change (%s): the item is not in a state that allows it", status)
	case s == 429:
		fmt.Fprintf(&b, "App Store Connect is rate limiting this key (%s)", status)
		if e.RateLimit.Known {
			fmt.Fprintf(&b, ": %s", e.RateLimit)
		}
		if e.RetryAfter > 0 {
			fmt.Fprintf(&b, "; try again in %s", e.RetryAfter.Round(time.Second))
		} else {
			b.WriteString("; wait a while (the budget is per hour) and try again")
		}
	case s == 400:
		fmt.Fprintf(&b, "App Store Connect did not accept the request (%s): check the filters; if they look right, this is a bug in %s", status, AppName)
	case s >= 500:
		fmt.Fprintf(&b, "Apple's servers had a problem (%s): try again later", status)
	default:
		fmt.Fprintf(&b, "App Store Connect answered %s", status)
	}
	switch {
	case strings.Contains(e.ContentType, "html"):
		b.WriteString("; the answer was an HTML page, not App Store Connect's JSON: a proxy, firewall or captive portal may be in the way")
	case e.ContentType != "":
		fmt.Fprintf(&b, "; the answer was %s, not JSON", e.ContentType)
		if e.Text != "" {
			fmt.Fprintf(&b, ": %q", e.Text)
		}
	}
	for _, it := range e.Errors {
		said := it.Title
		if it.Detail != "" && it.Detail != it.Title {
			switch {
			case said == "":
			case strings.HasSuffix(said, ".") || strings.HasSuffix(said, "!") || strings.HasSuffix(said, "?"):
				said += " "
			default:
				said += ": "
			}
			said += it.Detail
		}
		if said != "" {
			fmt.Fprintf(&b, ". Apple said: %s", said)
		}
		if it.Source != nil && it.Source.Parameter != "" {
			fmt.Fprintf(&b, " (parameter %s)", it.Source.Parameter)
		}
	}
	return redactTokens(b.String())
}

// parseAPIError builds an APIError from a failed answer's body.
func parseAPIError(status int, contentType string, body []byte, rl RateLimit, retryAfter time.Duration) *APIError {
	e := &APIError{StatusCode: status, RateLimit: rl, RetryAfter: retryAfter}
	var doc struct {
		Errors []ErrorItem `json:"errors"`
	}
	if isJSONMediaType(contentType) || looksLikeJSON(body) {
		if err := json.Unmarshal(body, &doc); err == nil && len(doc.Errors) > 0 {
			for i := range doc.Errors {
				doc.Errors[i].clean()
			}
			e.Errors = doc.Errors
			return e
		}
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return e
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "" {
		mt = "text/plain"
		if looksLikeHTML(body) {
			mt = "text/html"
		}
	}
	if looksLikeHTML(body) && !strings.Contains(mt, "html") {
		mt = "text/html"
	}
	e.ContentType = SafeText(mt)
	if strings.HasPrefix(mt, "text/plain") {
		e.Text = shortText(redactTokens(string(body)), 200)
	}
	return e
}

// clean makes what Apple said safe to show (SafeText), where it is decoded.
// Codes stay matchable: Apple's are upper-case letters, digits, dots and
// underscores, which SafeText leaves alone.
func (it *ErrorItem) clean() {
	safeTexts(&it.ID, &it.Status, &it.Code, &it.Title, &it.Detail)
	if it.Source != nil {
		safeTexts(&it.Source.Pointer, &it.Source.Parameter)
	}
}

func isJSONMediaType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func looksLikeJSON(body []byte) bool {
	s := strings.TrimSpace(string(body))
	return strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")
}

func looksLikeHTML(body []byte) bool {
	head := strings.ToLower(strings.TrimSpace(string(body[:min(len(body), 512)])))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") || strings.Contains(head, "<body")
}

// shortText keeps the first line of s, at most n runes, made safe by
// SafeText, so a plain-text body can be quoted in a message.
func shortText(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	more := ""
	if r := []rune(s); len(r) > n {
		s, more = string(r[:n]), "…"
	}
	return SafeText(s) + more
}

// jwtPattern matches anything shaped like a JWT, so that no message can carry
// one even if a server echoes the Authorization header back.
// A JWT starts with the base64 of `{"`; a cut one is redacted too.
var jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){0,2}`)

func redactTokens(s string) string { return jwtPattern.ReplaceAllString(s, "[token]") }

// IsUnauthorized reports whether err is App Store Connect refusing the key
// (401).
func IsUnauthorized(err error) bool {
	var e *APIError
	return errors.As(err, &e) && (e.StatusCode == 401 || e.HasCode("NOT_AUTHORIZED"))
}

// codeAgreementMissing is Apple's 403 for an agreement the Account Holder
// has not accepted: every request of the team is refused until then.
const codeAgreementMissing = "FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED"

// agreementMissing reports whether err is that 403.
func agreementMissing(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.HasCode(codeAgreementMissing)
}

// IsForbidden reports whether err is App Store Connect refusing the request
// for this key (403), or ErrIndividualKeyProvisioning, which stands for the
// 403 an individual key would get.
func IsForbidden(err error) bool {
	if errors.Is(err, ErrIndividualKeyProvisioning) {
		return true
	}
	var e *APIError
	return errors.As(err, &e) && (e.StatusCode == 403 || e.HasCode("FORBIDDEN") || e.HasCode("FORBIDDEN_ERROR"))
}

// IsRateLimited reports whether err is App Store Connect's rate limit (429).
func IsRateLimited(err error) bool {
	var e *APIError
	return errors.As(err, &e) && (e.StatusCode == 429 || e.HasCode("RATE_LIMIT_EXCEEDED"))
}

// IsNotFound reports whether err is App Store Connect saying the item does not
// exist (404).
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && (e.StatusCode == 404 || e.HasCode("NOT_FOUND"))
}

// NetworkError is a request that got no usable answer: no connection, a
// dropped connection, a timeout, a body cut short.
type NetworkError struct {
	// Host is the server that was asked.
	Host string
	// Timeout is set when no complete answer came within the request timeout.
	Timeout time.Duration
	// Err is the underlying error.
	Err error
}

// Error says what happened and what to do.
func (e *NetworkError) Error() string {
	if e.Timeout > 0 {
		return SafeText(fmt.Sprintf("App Store Connect (%s) did not answer within %s: check your connection, or try again later", e.Host, e.Timeout))
	}
	// The underlying error may quote the server: a certificate's names, a
	// malformed status line.
	return SafeText(redactTokens(fmt.Sprintf("could not reach App Store Connect (%s): check your connection: %v", e.Host, e.Err)))
}

// Unwrap returns the underlying error.
func (e *NetworkError) Unwrap() error { return e.Err }

// ResponseError is a successful status whose body could not be used: a
// garbled or truncated JSON document, or a page that is not JSON.
type ResponseError struct {
	// StatusCode is the HTTP status, a success.
	StatusCode int
	// ContentType is set when the body was not JSON ("text/html").
	ContentType string
	// Err is the JSON decoding error of a garbled body.
	Err error
}

// Error says what happened.
func (e *ResponseError) Error() string {
	if e.ContentType != "" && strings.Contains(e.ContentType, "html") {
		return fmt.Sprintf("got an HTML page instead of App Store Connect's JSON (HTTP %d): a proxy, firewall or captive portal may be in the way", e.StatusCode)
	}
	if e.ContentType != "" {
		return fmt.Sprintf("got %s instead of App Store Connect's JSON (HTTP %d)", e.ContentType, e.StatusCode)
	}
	// A JSON decoding error may quote the document.
	return SafeText(fmt.Sprintf("App Store Connect's answer could not be read (cut short or garbled): try again: %v", e.Err))
}

// Unwrap returns the underlying error.
func (e *ResponseError) Unwrap() error { return e.Err }

// transientNetError reports whether a transport error is worth another try:
// dropped connections, resets, timeouts. Certificate problems and unknown
// hosts will not change within the retry window.
func transientNetError(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certInvalid x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	var verifyErr *tls.CertificateVerificationError
	if errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.As(err, &certInvalid) ||
		errors.As(err, &recordErr) || errors.As(err, &verifyErr) {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return false
	}
	return true
}

// RateLimitError is a 429 that came when the key's hourly request budget was
// spent (X-Rate-Limit said user-hour-rem:0) and Apple named no Retry-After.
// Apple counts requests over a rolling hour, so the budget returns bit by bit
// within the hour, not within any retry's wait: the request is not retried.
// It unwraps to the *APIError of the answer, so IsRateLimited holds.
type RateLimitError struct {
	// Limit is the key's hourly budget; Remaining is what is left of it (0).
	Limit, Remaining int
	// Err is Apple's answer.
	Err *APIError
}

// Error says the budget is spent and when it returns, as far as is known:
// Apple does not say when the oldest requests of the hour were made.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("this key's hourly budget of %d requests at App Store Connect is spent (429 %s): "+
		"Apple counts a rolling hour, so requests become possible again within the hour as the earliest ones age out; "+
		"try again later, or use another key", e.Limit, firstNonEmpty(e.Err.Code(), "RATE_LIMIT_EXCEEDED"))
}

// Unwrap returns Apple's answer.
func (e *RateLimitError) Unwrap() error { return e.Err }

// fromExchange reports whether err is what an exchange with App Store Connect
// ended in: an answer that was not a success, no usable answer, a spent
// budget, or a redirect. Their messages name App Store Connect and say what
// to do, so they need no "with App Store Connect" around them.
func fromExchange(err error) bool {
	var apiErr *APIError
	var netErr *NetworkError
	var respErr *ResponseError
	var redirect *RedirectError
	return errors.As(err, &apiErr) || errors.As(err, &netErr) || errors.As(err, &respErr) || errors.As(err, &redirect)
}

// RedirectError is an answer that redirected the request elsewhere. App Store
// Connect does not redirect API calls, so the client follows no redirect:
// the next request would carry the key's token to wherever it points.
type RedirectError struct {
	// StatusCode is the redirect's HTTP status (301, 302, 307, 308...).
	StatusCode int
	// Location is where the answer pointed, made safe to print.
	Location string
}

// Error says where the redirect pointed and that it was not followed.
func (e *RedirectError) Error() string {
	return fmt.Sprintf("App Store Connect answered with a redirect to %s (HTTP %d): refusing to send the key's token there; "+
		"a proxy or the address set for App Store Connect may be wrong", e.Location, e.StatusCode)
}
