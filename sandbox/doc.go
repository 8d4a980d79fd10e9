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
// .../devices and /v1/bundleIds/{id}/profiles; the writes below. Other paths
// are 404, other methods 405 (DELETE /v1/devices/{id} among them: devices
// are only disabled). The API is mounted under PathPrefix inside the base
// URLs (go-github style), so a client that builds absolute paths instead of
// appending to its base URL gets a 404 that says so.
//
// # Writes
//
// POST and PATCH take a JSON:API request document ({"data": {"type",
// "attributes", "relationships"}}); with Config.Spec its body is checked
// against the spec like everything else. Problems with the body are 409s
// with code ENTITY_ERROR..., title "There is a problem with the request
// entity" and source.pointer (a missing attribute is
// ENTITY_ERROR.ATTRIBUTE.REQUIRED, a bad enum value ...ATTRIBUTE.INVALID, a
// member the request does not take ...ATTRIBUTE.UNKNOWN); a body that is not
// a document is 422 ENTITY_UNPROCESSABLE. Writes take no query parameters.
// Every write spends the key's hourly budget, is logged in Stats and
// Requests under its route ("POST /v1/certificates"), takes faults
// (MatchPath("/v1/devices")), and holds the data alone, so limits and
// uniqueness hold under concurrent requests. Created resources are answered
// in full (201; PATCH 200), certificateContent and profileContent included.
//
//   - POST /v1/certificates {certificateType, csrContent}: csrContent is PEM
//     or the base64 of the DER. The CSR must be RSA 2048 (else 409
//     ENTITY_ERROR.ATTRIBUTE.INVALID "CSR algorithm/size incorrect.
//     Expected: RSA(2048)"), version 0, signed with SHA-256 and verify
//     ("The certificate request is invalid"). Developer ID types and
//     DEVELOPER_ID_INSTALLER are 403 "This operation can only be performed
//     by the Account Holder"; a Developer-role key asking for anything but
//     a development type is 403 FORBIDDEN_ERROR "You are not allowed to
//     perform this operation..."; pass type certificates need a passTypeId,
//     Apple Pay and identity ones a merchantId (which the sandbox does not
//     model, so they are refused). Push certificates have no type in the
//     API: unknown types are 409 invalid values. Limits: 3 current
//     certificates per distribution type (2 on the Enterprise listener), 2
//     per development type (one platform family each: Apple, iOS, Mac),
//     counting revoked ones until they expire; at the limit, 409
//     ENTITY_ERROR "You already have a current Distribution certificate or
//     a pending certificate request." (the type's name in it). The
//     certificate is a real X.509 from CA over the CSR's public key, subject
//     "Apple Distribution: <TeamName> (<TeamID>)" (development ones are
//     issued to "Created via API"), a fresh serial, valid for a year.
//   - DELETE /v1/certificates/{id} revokes (204): gone from the list, its
//     profiles INVALID; RevokedCertificateIDs lists it and Certificate(id)
//     still returns it.
//   - POST /v1/profiles {name, profileType, bundleId, certificates,
//     devices}: the certificates' types must fit the profile type (the
//     fastlane/Codemagic table, profileKinds) and not have expired;
//     development and ad hoc profiles need devices (409 "The relationship
//     'devices' is required"), the others take none (409
//     ENTITY_ERROR.RELATIONSHIP.NOT_ALLOWED "No devices can be associated to
//     Provisioning Profiles for the App Store."); devices must exist and be
//     ENABLED; an unknown bundle ID is 409 ENTITY_ERROR "There is no App ID
//     with ID '...' on this team."; a name in use is 409 "Multiple profiles
//     found with the name '...'.  Please remove the duplicate profiles and
//     try again." A Developer-role key may make development profiles only.
//     The answer carries a signed profile with a new UUID that embeds the
//     certificates and the devices' UDIDs; it expires in a year or with its
//     first certificate. DELETE /v1/profiles/{id} is 204.
//   - POST /v1/devices {name, udid, platform IOS|MAC_OS}: UDIDs of 40 hex
//     digits, 8 + 16 hex digits joined by a hyphen, or for a Mac a UUID; a
//     UDID already registered (in any case) is 409 "A device with number
//     '...' already exists on this team." (naming only what was sent); 100
//     devices per product family (iPhone, Mac, ...), disabled ones
//     included. IOS devices are filed as IPHONE, MAC_OS ones as MAC.
//     PATCH /v1/devices/{id} {name?, status ENABLED|DISABLED}; data.id must
//     be the path's.
//   - POST /v1/bundleIds {identifier, name, platform IOS|MAC_OS|UNIVERSAL,
//     seedId?}: a reverse-DNS identifier, or one ending in ".*"; one in use
//     (in any case) is 409 "An App ID with Identifier '...' is not
//     available. Please enter a different string." DELETE
//     /v1/bundleIds/{id} is 204 and deletes its profiles, or 409 "The App ID
//     '...' appears to be in use by the App Store, so it can not be removed
//     at this time." while an app uses it.
//
// Documented by Apple: the endpoints, bodies and statuses (the spec), the
// RSA 2048 rule and its wording, Developer ID certificates being for the
// website and Xcode, devices that cannot be deleted. Reported by other
// clients, not documented: the limits and that revoked certificates count;
// profiles turning INVALID when a certificate is revoked; the development
// limit being per person (here per "Created via API", the name API-made
// certificates are reported to get); the duplicate-name and in-use wordings
// (from the developer portal, which the API is reported to share). The
// sandbox's own choices, where nothing was found: the wording of refusals not
// quoted above, deleting a bundle ID's profiles with it (the spec lists no
// 409 for that DELETE, so it refuses only for an app), and the device-limit
// wording.
//
// Known differences from Apple: bundleIdCapabilities are listed as
// relationships but never hold data; /v1/apps models only name, bundleId, sku
// and primaryLocale and takes no include; seeded certificates carry P-256
// keys where Apple's are RSA (created ones carry the CSR's key); merchant IDs,
// bundle ID capabilities and PATCH /v1/bundleIds are not served; the authority that signs everything is self-made (CA);
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
// Certificate and Profile return the bytes for comparison; the Data sizes
// matter for writes, since seeded certificates count against the limits
// (Certificates: -1 gives a team with none).
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
//
// # The wire
//
// As Apple, the sandbox sends answers in gzip to a request whose
// Accept-Encoding asks for it (Stats.BytesSent counts the bytes sent,
// BodyBytes the same bodies uncompressed). Config.Bandwidth paces every
// answer on one link of that many bits per second shared by all
// connections, after the latency: a slow or distant network.
// Config.ProfileTypes seeds profiles of chosen types only, a type the
// spec's enum lacks (MAC_APP_INHOUSE) included.
package sandbox
