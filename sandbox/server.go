package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asckeys/asckeys/core"
)

// PathPrefix is where the API is mounted inside URL() and EnterpriseURL(),
// so that a client which builds absolute paths instead of resolving them
// against its base URL fails loudly.
const PathPrefix = "/asc"

// The audiences Apple expects in tokens, per base URL.
const (
	audienceTeam       = "appstoreconnect-v1"
	audienceEnterprise = "apple-developer-enterprise-v1"
)

// Server is a running (or ready to run) sandbox App Store Connect.
type Server struct {
	cfg   Config
	now   func() time.Time
	data  *store
	pki   *pki
	stats *statsCollector
	rate  *rateLimiter

	keysMu sync.RWMutex
	keys   map[string]*registeredKey

	faults  faultQueue
	latency atomic.Int64

	spec SpecChecker // nil: no spec check

	cursorKey []byte

	mu         sync.Mutex
	listeners  []*http.Server
	tlsCert    *x509.Certificate
	client     *http.Client
	started    bool
	closed     bool
	teamURL    string
	enterprise string
}

// New builds a sandbox from cfg: it seeds the data (content is made later, on
// first use). Call Start to serve it over HTTP.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:   cfg,
		now:   cfg.Now,
		stats: newStatsCollector(),
		rate:  newRateLimiter(cfg.HourlyLimit),
		keys:  map[string]*registeredKey{},
	}
	s.latency.Store(int64(cfg.Latency))
	now := cfg.Now()
	s.data = seed(cfg, now)
	s.pki = &pki{teamID: cfg.TeamID, teamName: cfg.TeamName, anchor: now.UTC()}
	sum := sha256.Sum256(binary.AppendVarint([]byte("asckeys sandbox cursor"), cfg.Seed))
	s.cursorKey = sum[:]
	s.spec = cfg.Spec
	return s
}

// StartTest is New plus Start for tests: it fails the test if the sandbox
// cannot start and closes it when the test ends.
func StartTest(t TB, cfg Config) *Server {
	t.Helper()
	s := New(cfg)
	if err := s.Start(); err != nil {
		t.Fatalf("starting the sandbox: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// TB is the part of testing.TB that StartTest uses.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// Start listens on two loopback ports: one for team and individual keys
// (URL) and one for enterprise keys (EnterpriseURL).
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return errors.New("sandbox: Start after Close")
	case s.started:
		return errors.New("sandbox: already started")
	}
	var tlsConf *tls.Config
	if s.cfg.TLS {
		cert, leaf, err := selfSignedTLS()
		if err != nil {
			return fmt.Errorf("sandbox: making a TLS certificate: %w", err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.tlsCert = leaf
		s.client = nil // one made before Start would not trust the certificate
	}
	urls := make([]string, 0, 2)
	var shared *shapedLink
	if s.cfg.Bandwidth > 0 {
		shared = &shapedLink{bitsPerSecond: s.cfg.Bandwidth}
	}
	for _, h := range []http.Handler{s.handler(audienceTeam), s.handler(audienceEnterprise)} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.closeListenersLocked()
			return fmt.Errorf("sandbox: listening on a loopback port: %w", err)
		}
		if shared != nil {
			// Under TLS, so that the link carries what TLS sends.
			ln = &shapedListener{Listener: ln, link: shared}
		}
		scheme := "http"
		if tlsConf != nil {
			ln = tls.NewListener(ln, tlsConf)
			scheme = "https"
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		s.listeners = append(s.listeners, srv)
		go func() { _ = srv.Serve(ln) }() // ends with ErrServerClosed on Close
		urls = append(urls, scheme+"://"+ln.Addr().String()+PathPrefix)
	}
	s.teamURL, s.enterprise = urls[0], urls[1]
	s.started = true
	return nil
}

// Close stops both listeners and cuts requests in flight. It is safe to call
// more than once.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.closeListenersLocked()
}

func (s *Server) closeListenersLocked() {
	for _, l := range s.listeners {
		_ = l.Close()
	}
	s.listeners = nil
}

// URL is the base URL for team and individual keys (tokens with aud
// "appstoreconnect-v1"), with PathPrefix and without a trailing slash, like
// core.KeyKind.BaseURL. It is "" before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.teamURL
}

// EnterpriseURL is the base URL for enterprise keys (tokens with aud
// "apple-developer-enterprise-v1"). It is "" before Start.
func (s *Server) EnterpriseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enterprise
}

// BaseURLFor is the base URL for keys of kind: EnterpriseURL for enterprise
// keys, URL for the others.
func (s *Server) BaseURLFor(kind core.KeyKind) string {
	if kind == core.KindEnterprise {
		return s.EnterpriseURL()
	}
	return s.URL()
}

// HTTPClient returns a client for the sandbox, the same one on every call:
// with Config.TLS it trusts the sandbox's certificate; otherwise it is a plain
// client. It has no overall timeout, so tests control time through contexts.
// Call it after Start.
func (s *Server) HTTPClient() *http.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		if s.tlsCert != nil {
			pool := x509.NewCertPool()
			pool.AddCert(s.tlsCert)
			tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
		s.client = &http.Client{Transport: tr}
	}
	return s.client
}

// handler serves the API under PathPrefix for tokens with audience: team
// and individual keys on one port, enterprise keys on the other.
func (s *Server) handler(audience string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, audience) })
}

// SetLatency changes the delay added to every request.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// selfSignedTLS makes a certificate for 127.0.0.1 and localhost.
func selfSignedTLS() (tls.Certificate, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ASC Keys sandbox"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf, nil
}

// SpecViolations returns what did not match the spec so far (see
// Config.Spec): requests whose path, method or parameters the spec does not
// allow, and responses that do not match the schema for their status. It is
// nil without Config.Spec.
func (s *Server) SpecViolations() []string {
	if s.spec == nil {
		return nil
	}
	return s.spec.Violations()
}

// ResetSpecViolations forgets the violations recorded so far.
func (s *Server) ResetSpecViolations() {
	if s.spec != nil {
		s.spec.Reset()
	}
}
