package sandbox

import (
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// FaultKind is what an injected fault does to a response.
type FaultKind int

// The faults a sandbox can inject. Faults act after the token was accepted,
// so a faulty answer still carries X-Rate-Limit and spends the key's budget.
const (
	// FaultStatus answers with Status (default 500) and the error body Apple
	// sends with it (401 NOT_AUTHORIZED, 403 FORBIDDEN_ERROR, 404 NOT_FOUND,
	// 409 CONFLICT_ERROR, 429 RATE_LIMIT_EXCEEDED, 5xx UNEXPECTED_ERROR, and
	// for 406 plain text), or with Body when set. RetryAfter, when set, is sent
	// as the Retry-After header.
	FaultStatus FaultKind = iota + 1
	// FaultHTML answers with Status (default 502) and an HTML page, as a proxy
	// in front of Apple does.
	FaultHTML
	// FaultDrop closes the connection without answering.
	FaultDrop
	// FaultTruncate announces the full Content-Length, sends half the body
	// and closes the connection.
	FaultTruncate
	// FaultBadJSON sends a complete response whose body is the first half of
	// the real JSON (Content-Length matches what is sent).
	FaultBadJSON
	// FaultStall sends the headers and half the body, then pauses for Stall
	// (or until the client gives up) before sending the rest.
	FaultStall
)

var faultNames = map[FaultKind]string{
	FaultStatus:   "status",
	FaultHTML:     "html",
	FaultDrop:     "drop",
	FaultTruncate: "truncate",
	FaultBadJSON:  "bad-json",
	FaultStall:    "stall",
}

// String names the kind, as in Request.Fault.
func (k FaultKind) String() string {
	if n, ok := faultNames[k]; ok {
		return n
	}
	return "unknown"
}

// Fault is a one-shot (or Times-shot) misbehaviour queued with InjectFaults.
type Fault struct {
	Kind FaultKind
	// Status for FaultStatus and FaultHTML.
	Status int
	// RetryAfter, when not empty, is sent as Retry-After (FaultStatus only).
	RetryAfter string
	// Body and ContentType replace FaultStatus's body, e.g. with a captured
	// Apple error document; ContentType defaults to application/json.
	Body        []byte
	ContentType string
	// Stall is how long FaultStall pauses mid-body (default 5 s).
	Stall time.Duration
	// Until, when set, makes FaultStall pause until it is closed (or the
	// client gives up), so a test can look at what a client shows while a
	// request is held, then let it go, whatever the machine's speed. Stall
	// is then only a safety net, an hour by default.
	Until <-chan struct{}
	// Times is how many matching requests the fault hits in a row (default 1).
	Times int
	// Match restricts the fault to the requests it returns true for; nil
	// matches every request. The request's URL.Path is the API path without
	// PathPrefix. See MatchPath and MatchContent.
	Match func(*http.Request) bool
}

// MatchPath matches requests whose API path (without PathPrefix) matches the
// path.Match pattern, e.g. "/v1/profiles" or "/v1/certificates/*".
func MatchPath(pattern string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		ok, _ := path.Match(pattern, r.URL.Path)
		return ok
	}
}

// MatchContent matches content downloads: requests whose fields[certificates]
// or fields[profiles] ask for certificateContent or profileContent.
func MatchContent() func(*http.Request) bool {
	return func(r *http.Request) bool {
		q := r.URL.Query()
		return hasValue(q.Get("fields[certificates]"), "certificateContent") ||
			hasValue(q.Get("fields[profiles]"), "profileContent")
	}
}

func hasValue(list, v string) bool {
	for _, x := range strings.Split(list, ",") {
		if x == v {
			return true
		}
	}
	return false
}

type faultQueue struct {
	mu sync.Mutex
	q  []*queuedFault
}

type queuedFault struct {
	Fault
	left int
}

// InjectFaults queues faults. Each request takes the first queued fault that
// matches it; a fault leaves the queue after Times hits.
func (s *Server) InjectFaults(faults ...Fault) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	for _, f := range faults {
		n := f.Times
		if n <= 0 {
			n = 1
		}
		s.faults.q = append(s.faults.q, &queuedFault{Fault: f, left: n})
	}
}

// ClearFaults empties the fault queue.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	s.faults.q = nil
	s.faults.mu.Unlock()
}

// PendingFaults is the number of fault hits still queued.
func (s *Server) PendingFaults() int {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	n := 0
	for _, f := range s.faults.q {
		n += f.left
	}
	return n
}

// take returns the fault for this request, if any. Matchers see the API
// path, without PathPrefix.
func (fq *faultQueue) take(r *http.Request, apiPath string) *Fault {
	fq.mu.Lock()
	defer fq.mu.Unlock()
	if len(fq.q) == 0 {
		return nil
	}
	mr := r.Clone(r.Context())
	mr.URL.Path = apiPath
	for i, f := range fq.q {
		if f.Match != nil && !f.Match(mr) {
			continue
		}
		f.left--
		if f.left == 0 {
			fq.q = append(fq.q[:i], fq.q[i+1:]...)
		}
		out := f.Fault
		return &out
	}
	return nil
}

// needsHandler reports whether the fault alters the real response rather than
// replacing it.
func (f *Fault) needsHandler() bool {
	switch f.Kind {
	case FaultTruncate, FaultBadJSON, FaultStall:
		return true
	}
	return false
}

// faultReply is the answer of a fault that replaces the response.
func faultReply(f *Fault) reply {
	switch f.Kind {
	case FaultHTML:
		status := f.Status
		if status == 0 {
			status = http.StatusBadGateway
		}
		text := http.StatusText(status)
		page := "<html>\r\n<head><title>" + itoa(status) + " " + text + "</title></head>\r\n<body>\r\n<center><h1>" +
			itoa(status) + " " + text + "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
		return reply{status: status, contentType: "text/html", body: []byte(page)}
	default:
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		var rep reply
		switch {
		case f.Body != nil:
			rep = reply{status: status, contentType: f.ContentType, body: f.Body}
			if rep.contentType == "" {
				rep.contentType = "application/json"
			}
		case status == http.StatusNotAcceptable: // Apple answers 406 in plain text
			rep = reply{status: status, contentType: "text/plain", body: []byte("Not Acceptable")}
		default:
			rep = errorReply(appleError(status))
		}
		rep.retryAfter = f.RetryAfter
		return rep
	}
}

// appleError is the error Apple sends with status.
func appleError(status int) *apiError {
	switch status {
	case http.StatusBadRequest:
		return newAPIError(status, "PARAMETER_ERROR.INVALID", "A parameter has an invalid value", "Injected by the sandbox.")
	case http.StatusUnauthorized:
		return errNotAuthorized()
	case http.StatusForbidden:
		return errForbidden("The API key in use does not allow this request")
	case http.StatusNotFound:
		return errNotFound("The path provided does not match a defined resource type.")
	case http.StatusConflict:
		return newAPIError(status, "CONFLICT_ERROR", "The provided entity includes an attribute with a value that has already been used",
			"The request could not be completed because of a conflict with the resource's current state.")
	case http.StatusTooManyRequests:
		return errRateLimited()
	}
	return errUnexpected(status)
}
