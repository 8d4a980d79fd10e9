package sandbox

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// reply is a complete response, built in memory before anything is written
// so that faults and the spec check can see it whole.
type reply struct {
	status      int
	contentType string
	body        []byte
	retryAfter  string
}

func errorReply(errs ...*apiError) reply {
	status, _ := strconv.Atoi(errs[0].Status)
	return jsonReply(status, errorDocument{Errors: errs})
}

func jsonReply(status int, v any) reply {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)              // Apple's links carry & unescaped
	if err := enc.Encode(v); err != nil { // only the sandbox's own types get here: a bug, said as Apple would
		return reply{status: http.StatusInternalServerError, contentType: "application/json",
			body: []byte(`{"errors":[{"status":"500","code":"UNEXPECTED_ERROR","title":"An unexpected error occurred.","detail":"sandbox: ` +
				strings.ReplaceAll(err.Error(), `"`, `'`) + `"}]}`)}
	}
	return reply{status: status, contentType: "application/json", body: bytes.TrimSuffix(buf.Bytes(), []byte("\n"))}
}

// maxBody bounds a request body; the largest Apple takes here, a CSR, is a
// few kilobytes.
const maxBody = 1 << 20

// call is one request on its way through the sandbox.
type call struct {
	s     *Server
	r     *http.Request
	path  string // API path, without PathPrefix
	query url.Values
	body  []byte // the request body, read whole before anything checks it
	key   *registeredKey
	base  string // scheme://host + PathPrefix, for links

	params   *params
	included []resource
	seen     map[string]bool
	abort    *apiError // set by a renderer to answer with this error instead
}

// serve runs one request through authentication, latency, the rate limit,
// faults, routing and the spec check, in Apple's order.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, audience string) {
	s.stats.begin()
	defer s.stats.end()
	c := &call{s: s, r: r, query: r.URL.Query()}
	entry := Request{Time: s.now(), Method: r.Method, URL: r.URL.RequestURI(), Query: c.query, Route: r.Method + " (unknown)"}
	rateLimited := false
	var checkResponse func(status int, contentType string, body []byte)
	arrived, latency := time.Now(), time.Duration(s.latency.Load())
	// delay spends the latency that comes before the work (unless
	// LatencyIncludesWork), once: after the request is counted in flight, or
	// before an answer that comes earlier. It reports false, having logged
	// the request, when the client gave up meanwhile.
	delayed := s.cfg.LatencyIncludesWork || latency <= 0
	delay := func() bool {
		if delayed {
			return true
		}
		delayed = true
		if !sleepCtx(r.Context(), latency) {
			entry.Reason = "the client gave up during the added latency"
			s.stats.record(entry, 0, 0, false)
			return false
		}
		return true
	}
	// finish checks the answer against the spec (unless a fault replaced it),
	// counts the request, then answers: counters are up to date by the time a
	// client has read its response.
	finish := func(rep reply, fault *Fault, rateHeader *string) {
		if !delay() {
			return
		}
		if (fault == nil || fault.needsHandler()) && checkResponse != nil {
			checkResponse(rep.status, rep.contentType, rep.body)
		}
		// Compressing is the sandbox's work, inside LatencyIncludesWork's
		// latency, as Apple's is inside its time to the first byte.
		wire := encodeReply(rep, fault, acceptsGzip(r.Header))
		entry.Status = rep.status
		if fault != nil {
			entry.Fault = fault.Kind.String()
			if fault.Kind == FaultDrop {
				entry.Status = 0
			}
		} else if rep.status >= 400 && entry.Reason == "" {
			entry.Reason = firstDetail(rep.body)
		}
		if s.cfg.LatencyIncludesWork && !sleepCtx(r.Context(), time.Until(arrived.Add(latency))) {
			entry.Status, entry.Fault = 0, ""
			entry.Reason = "the client gave up during the added latency"
			s.stats.record(entry, 0, 0, false)
			return
		}
		s.stats.record(entry, sentBytes(wire, fault), int64(len(rep.body)), rateLimited)
		s.write(w, r, wire, fault, rateHeader)
	}

	apiPath, ok := strings.CutPrefix(r.URL.Path, PathPrefix)
	if !ok || !strings.HasPrefix(apiPath, "/") {
		entry.Reason = "path outside " + PathPrefix
		finish(errorReply(errNotFound("The path provided does not match a defined resource type. "+
			"(Sandbox: the API is served under "+PathPrefix+"; build request URLs from the base URL, not from absolute paths.)")), nil, nil)
		return
	}
	c.path, entry.Path = apiPath, apiPath
	c.base = scheme(r) + "://" + r.Host + PathPrefix
	rt, id := matchRoute(r.Method, apiPath)
	if rt != nil {
		entry.Route = rt.label
	}
	// The body is read once, here, so that both the spec check and the
	// handler see it.
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil || len(b) > maxBody {
			entry.Reason = "request body unreadable or over 1 MiB"
			finish(errorReply(errUnprocessable("The request entity could not be read, or is larger than 1 MiB.")), nil, nil)
			return
		}
		c.body = b
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	if s.spec != nil {
		checkResponse = s.spec.CheckRequest(r, apiPath)
	}

	key, err := s.authenticate(r, audience)
	if err != nil {
		entry.Reason = err.Error()
		finish(errorReply(errNotAuthorized()), nil, nil)
		return
	}
	c.key = key
	entry.KeyID = key.KeyID
	// The request is in flight from here, its added latency included, so
	// that requests a client sends side by side overlap here however the
	// machine schedules the handlers (checking a token takes microseconds).
	hold := s.stats.enter(key.KeyID)
	defer s.stats.leave(key.KeyID)
	hold.wait(r.Context())
	if !delay() {
		return
	}

	limit, remaining, ok := s.rate.take(key.KeyID, s.now())
	hdr := rateLimitHeader(limit, remaining)
	if !ok {
		rateLimited = true
		entry.Reason = "hourly budget spent"
		finish(errorReply(errRateLimited()), nil, &hdr)
		return
	}

	fault := s.faults.take(r, apiPath)
	if fault != nil && !fault.needsHandler() {
		finish(faultReply(fault), fault, &hdr)
		return
	}
	finish(s.route(c, rt, id), fault, &hdr)
}

// wireReply is a reply as it goes over the connection: its body compressed
// when the client asked for gzip, and cut already when a FaultBadJSON
// garbles it, so that the client's gzip reader sees a complete stream of
// garbled JSON (a FaultTruncate or FaultStall cuts the wire bytes instead,
// as a dropped connection does).
type wireReply struct {
	reply
	encoding string // "gzip", or "" for the body as it is
	cut      bool   // FaultBadJSON's cut is done
}

// gzipMinBytes is the smallest body worth compressing: below it the gzip
// header and trailer outweigh what is saved.
const gzipMinBytes = 256

// encodeReply compresses rep's body with gzip when gz is set and the body is
// large enough, as Apple does for clients that send Accept-Encoding: gzip.
// The fastest level keeps the sandbox's work small on a shared machine; the
// ratio on JSON:API documents, which repeat their keys, is close to the
// default level's.
func encodeReply(rep reply, fault *Fault, gz bool) wireReply {
	w := wireReply{reply: rep}
	if !gz || rep.status == http.StatusNoContent || len(rep.body) < gzipMinBytes ||
		(fault != nil && fault.Kind == FaultDrop) {
		return w
	}
	body := rep.body
	if fault != nil && fault.Kind == FaultBadJSON {
		body, w.cut = body[:len(body)/2], true
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // a valid level: no error
	_, _ = zw.Write(body)                              // a bytes.Buffer does not fail
	_ = zw.Close()
	w.body, w.encoding = buf.Bytes(), "gzip"
	return w
}

// acceptsGzip reports whether a request's Accept-Encoding names gzip (or *)
// without refusing it with q=0.
func acceptsGzip(h http.Header) bool {
	for _, v := range h.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(part, ";")
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip", "*":
				name, value, _ := strings.Cut(strings.TrimSpace(params), "=")
				q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
				return strings.TrimSpace(name) != "q" || err != nil || q > 0
			}
		}
	}
	return false
}

// sentBytes is how much of rep's body (as sent: compressed, when it is)
// fault lets through.
func sentBytes(rep wireReply, fault *Fault) int64 {
	if fault != nil {
		switch fault.Kind {
		case FaultDrop:
			return 0
		case FaultBadJSON:
			if rep.cut {
				return int64(len(rep.body))
			}
			return int64(len(rep.body) / 2)
		case FaultTruncate:
			return int64(len(rep.body) / 2)
		}
	}
	return int64(len(rep.body))
}

// route dispatches to the route's handler after the checks every provisioning
// request gets.
func (s *Server) route(c *call, rt *route, id string) reply {
	if rt == nil {
		if pathExists(c.path) {
			return errorReply(errMethodNotAllowed(c.r.Method))
		}
		return errorReply(errNotFound("The path provided does not match a defined resource type."))
	}
	if rt.provisioning && !c.key.Kind.CanProvision() {
		return errorReply(errForbidden("The API key in use does not allow this request. " +
			"Individual API keys cannot use the provisioning resources (certificates, profiles, bundle IDs, devices); use a team key."))
	}
	// Lists and downloads share the data; the rare write has it alone, so
	// concurrent writes see each other's results (limits, names, UDIDs).
	if rt.writes {
		s.data.mu.Lock()
		defer s.data.mu.Unlock()
	} else {
		s.data.mu.RLock()
		defer s.data.mu.RUnlock()
	}
	return rt.handle(c, id)
}

func firstDetail(body []byte) string {
	var doc errorDocument
	if json.Unmarshal(body, &doc) != nil || len(doc.Errors) == 0 {
		return ""
	}
	return doc.Errors[0].Code + ": " + doc.Errors[0].Detail
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// write sends rep, as altered by fault.
func (s *Server) write(w http.ResponseWriter, r *http.Request, rep wireReply, fault *Fault, rateHeader *string) {
	h := w.Header()
	if rateHeader != nil {
		h.Set("X-Rate-Limit", *rateHeader)
	}
	if fault != nil && fault.Kind == FaultDrop {
		abortConnection(w)
		return
	}
	if rep.contentType != "" && rep.status != http.StatusNoContent {
		h.Set("Content-Type", rep.contentType)
	}
	if rep.retryAfter != "" {
		h.Set("Retry-After", rep.retryAfter)
	}
	if rep.encoding != "" {
		h.Set("Content-Encoding", rep.encoding)
	}
	h.Add("Vary", "Accept-Encoding")
	body := rep.body
	if fault != nil && fault.Kind == FaultBadJSON && !rep.cut {
		body = body[:len(body)/2]
	}
	if rep.status != http.StatusNoContent {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(rep.status)
	if fault == nil || (fault.Kind != FaultTruncate && fault.Kind != FaultStall) {
		_, _ = w.Write(body) // a client that went away is no concern of ours
		return
	}
	half := len(body) / 2
	_, _ = w.Write(body[:half])
	_ = http.NewResponseController(w).Flush()
	if fault.Kind == FaultTruncate {
		abortConnection(w)
		return
	}
	stall := fault.Stall
	switch {
	case stall > 0:
	case fault.Until != nil:
		stall = time.Hour
	default:
		stall = 5 * time.Second
	}
	t := time.NewTimer(stall)
	defer t.Stop()
	select {
	case <-fault.Until: // a nil channel never is
	case <-t.C:
	case <-r.Context().Done():
		return
	}
	_, _ = w.Write(body[half:])
}

// abortConnection closes the client's connection without a proper end of
// response.
func abortConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // HTTP/2 cannot hijack; this resets the stream instead
	}
	_ = conn.Close()
}

func itoa(n int) string { return strconv.Itoa(n) }

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
