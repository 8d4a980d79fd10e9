// Package sandbox is a local App Store Connect API that behaves like Apple's,
// for tests, benchmarks and the demo. No test may reach Apple, so this server
// is as strict as the real one, and it checks the client independently: it
// never uses the project's client code.
//
// # Use
//
//	srv := sandbox.StartTest(t, sandbox.Config{Seed: 1, Profiles: 1000})
//	key := srv.NewKey(core.KindTeam, sandbox.RoleAdmin) // KeyID, IssuerID, PrivateKey, PEM
//	// point the client at srv.BaseURLFor(key.Kind) ...
//	st := srv.Stats() // requests, bytes, distinct tokens, per route, ...
//
// Outside tests, New then Start (and Close) do the same; `asckeys demo` runs
// a sandbox in-process that way.
//
// # What it checks, as Apple does
//
//   - Tokens: Authorization "Bearer <jwt>" with header alg ES256, typ JWT and
//     a registered kid; an ES256 signature (raw 64-byte R||S) by that key; aud
//     a JSON string (an array is refused) equal to the base URL's audience:
//     "appstoreconnect-v1" at URL() for team and individual keys,
//     "apple-developer-enterprise-v1" at EnterpriseURL() for enterprise keys;
//     iss equal to the key's Issuer ID, or for individual keys sub "user" and
//     no iss; iat and exp present, exp - iat at most 20 minutes, not expired,
//     iat at most ClockSkew (60 s) in the future. Anything else is 401 with
//     Apple's NOT_AUTHORIZED body; Request.Reason in the request log says
//     which rule failed.
//   - Keys: individual keys get 403 FORBIDDEN_ERROR on certificates,
//     profiles, bundle IDs and devices (they may use /v1/apps). Developer-role
//     keys get 403 when a response would carry the content of a distribution
//     certificate or profile (see Role).
//   - Parameters: limit 1..200 and limit[relationship] 1..50, else
//     PARAMETER_ERROR.INVALID; unknown filters and bad enum values, field
//     names, sort keys and include values are PARAMETER_ERROR.INVALID (as
//     Apple answers "'x' is not a valid filter type"); parameters an endpoint
//     does not take are PARAMETER_ERROR.ILLEGAL. Every error carries
//     source.parameter, and all problems of a request are reported together.
//   - Rate limit: each key has HourlyLimit requests in a rolling hour;
//     responses to an accepted token carry X-Rate-Limit
//     ("user-hour-lim:3600;user-hour-rem:3599;"), and past the budget the
//     answer is 429 RATE_LIMIT_EXCEEDED. A 401 spends no key's budget and
//     carries no X-Rate-Limit.
//
// # What it answers
//
// JSON:API documents in Apple's shapes: data, included, links.self (absolute)
// and, when more remains, links.next (absolute, same scheme and host, with an
// opaque cursor that is refused when tampered with), meta.paging {total,
// limit}. The default page size is 20. fields[TYPE] leaves out what was not
// asked for; filter[...] values are comma-separated alternatives; sort is
// honoured; include works for profiles (bundleId, certificates, devices),
// certificates (passTypeId) and bundle IDs (profiles, app). An included
// to-many relationship holds at most limit[name] linkages (default 50) and
// meta.paging.total holds the true count. Dates are in Apple's format,
// 2019-11-29T13:56:50.220+0000. Errors are {"errors":[{id, status (a string),
// code, title, detail, source?}]}.
//
// Served: GET /v1/certificates, /v1/profiles, /v1/bundleIds, /v1/devices and
// /v1/apps, each also by id; GET /v1/profiles/{id}/bundleId, .../certificates,
// .../devices and /v1/bundleIds/{id}/profiles; DELETE /v1/certificates/{id}
// (revokes: its profiles become INVALID) and DELETE /v1/profiles/{id}. Other
// paths are 404, other methods 405. The API is mounted under PathPrefix
// inside the base URLs (go-github style), so a client that builds absolute
// paths instead of appending to its base URL gets a 404 that says so.
//
// Known differences from Apple: bundleIdCapabilities are listed as
// relationships but never hold data; /v1/apps models only name, bundleId, sku
// and primaryLocale and takes no include; certificates carry P-256 keys where
// Apple's are RSA; the authority that signs everything is self-made (CA);
// filter[identifier] on bundle IDs matches by prefix, as Apple's does.
//
// # Data
//
// Seeded from Config.Seed, deterministically: every certificate type and
// profile type in the spec, platforms IOS, MAC_OS and UNIVERSAL, every device
// class, about one item in ten expired and one in eight expiring within 30
// days; profiles link bundle IDs, certificates and devices, and some hold
// more devices than the include limit. Certificates are real DER X.509 with
// Apple-like subjects and the listed serial numbers; profiles are real
// CMS-signed .mobileprovision files whose plist carries the listed UUID,
// dates, certificates and device UDIDs. Content is made on first use and
// cached, so a sandbox of 5000 profiles starts in tens of milliseconds.
// Certificate and Profile return the bytes for comparison.
//
// # Knobs and counters
//
// SetLatency, SetHourlyLimit, InjectFaults (5xx bursts, 429 with or without
// Retry-After, HTML proxy pages, dropped connections, truncated, malformed or
// stalled bodies, restricted with MatchPath or MatchContent), RevokeKey;
// Stats, Requests and their resets. All are safe to use while requests are in
// flight. With Config.Spec (apispec.New) every request and response is checked against
// Apple's OpenAPI document and SpecViolations lists what did not match;
// Config.Quirks adds the live API's departures from that document.
package sandbox
