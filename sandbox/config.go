package sandbox

import (
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Config shapes a sandbox. The zero value is a small, valid sandbox.
type Config struct {
	// Seed makes the data deterministic: the same Seed (and the same day of
	// Now) gives the same ids, names, serial numbers, UUIDs and dates.
	// Certificate and profile bytes are signed afresh by each Server.
	Seed int64

	// Sizes of the seeded data. Zero means a small default (24 certificates,
	// 40 profiles, 12 bundle IDs, 80 devices, 4 apps); a negative value means
	// none.
	Certificates, Profiles, BundleIDs, Devices, Apps int

	// Latency delays every request before it is handled. SetLatency changes it
	// later.
	Latency time.Duration

	// LatencyIncludesWork makes Latency the time from a request's arrival to
	// its answer, the sandbox's own work (rendering a page of 200 profiles
	// takes milliseconds) included, as a client measures Apple's time to the
	// first byte: the sandbox handles the request at once and waits only for
	// what remains of Latency before it answers. The benchmarks use it, so
	// that "100 ms a request" is what the client sees. Off, Latency comes
	// before the work and adds to it.
	LatencyIncludesWork bool

	// Bandwidth, in bits per second, is the speed of the link the answers
	// travel over, shared by all connections (both ports): an answer of n
	// bytes takes n×8/Bandwidth seconds more after its latency, as on a
	// slow or distant network. Zero means unlimited (the loopback).
	Bandwidth int64

	// HourlyLimit is each key's budget of requests in a rolling hour, reported
	// in X-Rate-Limit. Zero means Apple's 3600. Benchmarks that make more
	// requests should set a large value.
	HourlyLimit int

	// Now is the sandbox's clock for tokens, the rate limit and seeding. Nil
	// means time.Now.
	Now func() time.Time

	// TeamID and TeamName appear in certificate subjects, profiles and bundle
	// ID seeds. Defaults: "A1B2C3D4E5" and "Example Corp".
	TeamID, TeamName string

	// Spec, when set, checks every request and response, and records what
	// does not match (see SpecViolations). Tests set it to
	// apispec.New(FindSpec()), Apple's OpenAPI document; it is an interface so
	// that the binary, which starts a sandbox for the demo, links no spec
	// checker.
	Spec SpecChecker

	// ProfileTypes, when set, are the types of the seeded profiles, taken in
	// turn, instead of the weighted mix of every type. Each must be a type
	// the sandbox can make: one of Apple's spec, or MAC_APP_INHOUSE or
	// MAC_CATALYST_APP_INHOUSE, which the live API has and the spec's enum
	// does not (a client that trusts the enum misses them); others are
	// skipped.
	ProfileTypes []string

	// Quirks injects what Apple's live API does but its spec does not allow:
	// unknown enum values (certificate type DEVELOPER_ID_INSTALLER, profile
	// types MAC_APP_INHOUSE and MAC_CATALYST_APP_INHOUSE, platform MAC_OS_X,
	// bundle ID platform SERVICES), platform null, expired profiles still
	// ACTIVE or in an undocumented EXPIRED state, a wrong top-level
	// meta.paging.total, and relationship meta of {total: 0, limit:
	// 2147483647} when nothing was included. Off by default, so responses
	// validate against the spec.
	Quirks bool

	// Doctor replaces the seeded data with a small team that shows every
	// problem 'asckeys doctor' finds at Apple (seed_doctor.go); the sizes
	// above are then ignored.
	Doctor bool

	// TLS serves HTTPS with a self-signed certificate; HTTPClient trusts it.
	TLS bool
}

// Default sizes, chosen so that every certificate and profile type appears
// and some profiles hold more than 50 devices (the include limit).
const (
	defaultCertificates = 24
	defaultProfiles     = 40
	defaultBundleIDs    = 12
	defaultDevices      = 80
	defaultApps         = 4
	defaultHourlyLimit  = 3600
	defaultTeamID       = "A1B2C3D4E5"
	defaultTeamName     = "Example Corp"
)

func (c Config) withDefaults() Config {
	size := func(n *int, def int) {
		switch {
		case *n == 0:
			*n = def
		case *n < 0:
			*n = 0
		}
	}
	size(&c.Certificates, defaultCertificates)
	size(&c.Profiles, defaultProfiles)
	size(&c.BundleIDs, defaultBundleIDs)
	size(&c.Devices, defaultDevices)
	size(&c.Apps, defaultApps)
	if c.HourlyLimit <= 0 {
		c.HourlyLimit = defaultHourlyLimit
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.TeamID == "" {
		c.TeamID = defaultTeamID
	}
	if c.TeamName == "" {
		c.TeamName = defaultTeamName
	}
	return c
}

// SpecChecker checks the sandbox's traffic against an API description
// (apispec.Checker does, with Apple's OpenAPI document).
type SpecChecker interface {
	// CheckRequest checks a request as if sent to Apple at apiPath (the path
	// under /v1...) and returns the check of its response, or nil when there
	// is nothing to check the response against.
	CheckRequest(r *http.Request, apiPath string) func(status int, contentType string, body []byte)
	// Violations lists what did not match so far.
	Violations() []string
	// Reset forgets the violations recorded so far.
	Reset()
}

// specFile is where the project keeps Apple's OpenAPI document, relative to
// the folder that holds the repository.
const specFile = "shared/spec/app-store-connect-openapi.json"

// FindSpec looks for Apple's OpenAPI document next to the repository that
// contains the working directory (../shared/spec from the module root, which
// is where tests run from). It returns "" when the file is absent, so tests can
// skip with a message.
func FindSpec() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(filepath.Dir(dir), filepath.FromSlash(specFile))
			if _, err := os.Stat(p); err == nil {
				return p
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
