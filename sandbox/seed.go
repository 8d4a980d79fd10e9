package sandbox

import (
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode"
)

// gen makes the seeded data. Everything it decides comes from rng, in a fixed
// order, so a Seed always gives the same data; only the content bytes
// (signatures, keys) are made later and differ between servers.
type gen struct {
	rng    *rand.Rand
	cfg    Config
	today  time.Time // midnight UTC of Config.Now: the anchor of every date
	ids    map[string]bool
	people []person
	quirks bool
}

type person struct{ name, first, userID string }

const day = 24 * time.Hour

// seed builds the store for cfg, anchored at now.
func seed(cfg Config, now time.Time) *store {
	g := &gen{
		rng:    rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed_a5c0_4e75)),
		cfg:    cfg,
		today:  now.UTC().Truncate(day),
		ids:    map[string]bool{},
		quirks: cfg.Quirks,
	}
	st := &store{}
	for _, n := range personNames {
		first, _, _ := strings.Cut(n, " ")
		g.people = append(g.people, person{name: n, first: first, userID: g.id()})
	}
	if cfg.Doctor {
		seedDoctor(g, st)
		return st
	}
	g.passTypeIDs(st)
	g.bundleIDs(st)
	g.apps(st)
	g.devices(st)
	g.certificates(st)
	g.profiles(st)
	return st
}

var personNames = []string{
	"Jane Appleseed", "John Appleseed", "Ana Lima", "Kenji Sato", "Priya Patel", "Lars Nilsson",
	"Amara Okafor", "Chen Wei", "Sofia Rossi", "Omar Haddad", "Eva Novak", "Mateo García",
}

// id returns a fresh 10-character id like Apple's resource ids.
func (g *gen) id() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for {
		var b [10]byte
		for i := range b {
			b[i] = alphabet[g.rng.IntN(len(alphabet))]
		}
		if s := string(b[:]); !g.ids[s] {
			g.ids[s] = true
			return s
		}
	}
}

func (g *gen) hex(n int, upper bool) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rng.IntN(16)]
	}
	if upper {
		return strings.ToUpper(string(b))
	}
	return string(b)
}

func (g *gen) uuid() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.rng.IntN(256))
	}
	return formatUUID(b)
}

// at is today plus whole days and a random time of day, so that dates look
// like Apple's (with milliseconds) yet stay on the intended day.
func (g *gen) at(days int) time.Time {
	return g.today.Add(time.Duration(days)*day + time.Duration(g.rng.Int64N(int64(day/time.Millisecond)))*time.Millisecond)
}

// pick chooses from weighted options.
func pick[T any](g *gen, opts []weighted[T]) T {
	total := 0
	for _, o := range opts {
		total += o.w
	}
	n := g.rng.IntN(total)
	for _, o := range opts {
		if n < o.w {
			return o.v
		}
		n -= o.w
	}
	return opts[len(opts)-1].v
}

type weighted[T any] struct {
	v T
	w int
}

// firstThenWeighted gives each value once, in order, for the first items (so
// that even a small sandbox shows every kind), then weighted picks.
func firstThenWeighted[T any](g *gen, i int, opts []weighted[T]) T {
	if i < len(opts) {
		return opts[i].v
	}
	return pick(g, opts)
}

// chooseSome returns k distinct items of from, in their original order.
func chooseSome[T any](g *gen, from []T, k int) []T {
	if k >= len(from) {
		return slices.Clone(from)
	}
	idx := make([]int, 0, k)
	for len(idx) < k {
		if i := g.rng.IntN(len(from)); !slices.Contains(idx, i) {
			idx = append(idx, i)
		}
	}
	slices.Sort(idx)
	out := make([]T, k)
	for j, i := range idx {
		out[j] = from[i]
	}
	return out
}

func (g *gen) passTypeIDs(st *store) {
	for _, p := range []struct{ name, id string }{
		{"Coupons", "pass.com.example.coupons"}, {"Event Tickets", "pass.com.example.tickets"}, {"Loyalty Card", "pass.com.example.loyalty"},
	} {
		st.passes.add(&passTypeID{base: base{g.id()}, name: p.name, identifier: p.id})
	}
}

var bundleWords = []string{
	"notes", "weather", "fitness", "recipes", "budget", "podcasts", "journal", "tasks", "photos", "music",
	"travel", "chess", "reader", "scanner", "timer", "habits", "maps", "chat", "wallet", "studio",
}

var extensions = []struct{ suffix, name string }{
	{"widget", "Widget"}, {"watchkitapp", "Watch App"}, {"share", "Share Extension"}, {"intents", "Intents"},
}

func (g *gen) bundleIDs(st *store) {
	platforms := []weighted[string]{{"IOS", 50}, {"MAC_OS", 20}, {"UNIVERSAL", 30}}
	var parent *bundleID
	word := 0
	seen := map[string]bool{}
	for i := 0; i < g.cfg.BundleIDs; i++ {
		b := &bundleID{base: base{g.id()}, seedID: g.cfg.TeamID}
		switch {
		case i == 3:
			b.identifier, b.name, b.platform = "com.example.*", "Wildcard", "IOS"
		case parent != nil && g.rng.IntN(100) < 35:
			ext := extensions[g.rng.IntN(len(extensions))]
			b.identifier, b.name, b.platform = parent.identifier+"."+ext.suffix, parent.name+" "+ext.name, parent.platform
			if seen[b.identifier] { // the same extension twice: make it another app instead
				b.identifier = ""
			}
		}
		if b.identifier == "" {
			w := bundleWords[word%len(bundleWords)]
			if round := word / len(bundleWords); round > 0 {
				w += fmt.Sprint(round + 1)
			}
			word++
			b.identifier, b.name = "com.example."+w, title(w)
			b.platform = firstThenWeighted(g, i, platforms)
			parent = b
		}
		seen[b.identifier] = true
		if g.quirks && i%9 == 8 {
			b.platform = "SERVICES" // in the live API, absent from Apple's own spec
		}
		st.bundles.add(b)
	}
}

func title(w string) string {
	r := []rune(w)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func (g *gen) apps(st *store) {
	locales := []weighted[string]{{"en-US", 70}, {"en-GB", 10}, {"de-DE", 10}, {"ja", 10}}
	n := 0
	for _, b := range st.bundles.items {
		if n >= g.cfg.Apps {
			break
		}
		if strings.Contains(strings.TrimPrefix(b.identifier, "com.example."), ".") || strings.HasSuffix(b.identifier, "*") {
			continue // extensions and wildcards are not apps
		}
		var id string
		for id == "" || g.ids[id] {
			id = fmt.Sprint(1_000_000_000 + g.rng.Int64N(8_999_999_999))
		}
		g.ids[id] = true
		a := &app{base: base{id}, name: b.name, bundleIdentifier: b.identifier, locale: pick(g, locales),
			sku: "EXAMPLE-" + strings.ToUpper(strings.TrimPrefix(b.identifier, "com.example.")), bundle: b}
		b.app = a
		st.apps.add(a)
		n++
	}
}

var deviceModels = map[string][]string{
	"IPHONE":           {"iPhone 13", "iPhone 14 Pro", "iPhone 15", "iPhone 15 Pro Max", "iPhone 16 Pro", "iPhone SE (3rd generation)"},
	"IPAD":             {"iPad Pro (12.9-inch) (6th generation)", "iPad Air (5th generation)", "iPad mini (6th generation)"},
	"MAC":              {"MacBook Pro (14-inch, 2023)", "Mac mini (2023)", "iMac (24-inch, 2021)", "MacBook Air (M2, 2022)"},
	"APPLE_WATCH":      {"Apple Watch Series 9", "Apple Watch Ultra 2"},
	"APPLE_TV":         {"Apple TV 4K (3rd generation)"},
	"IPOD":             {"iPod touch (7th generation)"},
	"APPLE_VISION_PRO": {"Apple Vision Pro"},
}

func (g *gen) devices(st *store) {
	classes := []weighted[string]{
		{"IPHONE", 45}, {"IPAD", 20}, {"MAC", 15}, {"APPLE_WATCH", 7}, {"APPLE_TV", 6}, {"IPOD", 2}, {"APPLE_VISION_PRO", 5},
	}
	for i := 0; i < g.cfg.Devices; i++ {
		class := firstThenWeighted(g, i, classes)
		models := deviceModels[class]
		model := models[g.rng.IntN(len(models))]
		owner := g.people[g.rng.IntN(len(g.people))]
		d := &device{base: base{g.id()}, class: class, model: model, platform: "IOS", status: "ENABLED",
			name: owner.first + "’s " + strings.SplitN(model, " (", 2)[0]}
		if class == "MAC" {
			d.platform = "MAC_OS"
		}
		if g.rng.IntN(100) < 8 {
			d.status = "DISABLED"
		}
		switch {
		case class == "MAC" && g.rng.IntN(2) == 0: // Intel Macs report a hardware UUID
			d.udid = g.hex(8, true) + "-" + g.hex(4, true) + "-" + g.hex(4, true) + "-" + g.hex(4, true) + "-" + g.hex(12, true)
		case g.rng.IntN(100) < 70: // A12 and later: 8 + 16 hex digits
			d.udid = "0000" + g.hex(4, true) + "-" + g.hex(16, true)
		default: // older devices: 40 hex digits
			d.udid = g.hex(40, false)
		}
		d.added = g.at(-g.rng.IntN(1100) - 1)
		d.addedText = appleTime(d.added)
		st.devices.add(d)
	}
}

// certKind describes a certificate type: how Apple names it and what it is
// issued to.
type certKind struct {
	label    string // the name attribute's prefix
	cn       string // the X.509 common name's prefix
	subject  string // "person", "team", "pass" or "merchant"
	platform string
	days     int // lifetime
}

var certKinds = map[string]certKind{
	"DEVELOPMENT":                 {"Apple Development", "Apple Development", "person", "UNIVERSAL", 365},
	"DISTRIBUTION":                {"Apple Distribution", "Apple Distribution", "team", "UNIVERSAL", 365},
	"IOS_DEVELOPMENT":             {"iOS Development", "iPhone Developer", "person", "IOS", 365},
	"IOS_DISTRIBUTION":            {"iOS Distribution", "iPhone Distribution", "team", "IOS", 365},
	"MAC_APP_DEVELOPMENT":         {"Mac Development", "Mac Developer", "person", "MAC_OS", 365},
	"MAC_APP_DISTRIBUTION":        {"Mac App Distribution", "3rd Party Mac Developer Application", "team", "MAC_OS", 365},
	"MAC_INSTALLER_DISTRIBUTION":  {"Mac Installer Distribution", "3rd Party Mac Developer Installer", "team", "MAC_OS", 365},
	"DEVELOPER_ID_APPLICATION":    {"Developer ID Application", "Developer ID Application", "team", "MAC_OS", 1825},
	"DEVELOPER_ID_APPLICATION_G2": {"Developer ID Application (G2)", "Developer ID Application", "team", "MAC_OS", 1825},
	"DEVELOPER_ID_KEXT":           {"Developer ID Kext", "Developer ID Kext", "team", "MAC_OS", 1825},
	"DEVELOPER_ID_KEXT_G2":        {"Developer ID Kext (G2)", "Developer ID Kext", "team", "MAC_OS", 1825},
	"DEVELOPER_ID_INSTALLER":      {"Developer ID Installer", "Developer ID Installer", "team", "MAC_OS", 1825}, // a quirk: not in the spec
	"PASS_TYPE_ID":                {"Pass Type ID", "Pass Type ID", "pass", "IOS", 365},
	"PASS_TYPE_ID_WITH_NFC":       {"Pass Type ID with NFC", "Pass Type ID with NFC", "pass", "IOS", 365},
	"APPLE_PAY":                   {"Apple Pay Payment Processing", "Apple Pay Payment Processing", "merchant", "IOS", 760},
	"APPLE_PAY_MERCHANT_IDENTITY": {"Apple Pay Merchant Identity", "Merchant ID", "merchant", "IOS", 760},
	"APPLE_PAY_PSP_IDENTITY":      {"Apple Pay Platform Identity", "Apple Pay Platform Identity", "merchant", "IOS", 760},
	"APPLE_PAY_RSA":               {"Apple Pay Payment Processing (RSA)", "Apple Pay Payment Processing (RSA)", "merchant", "IOS", 760},
	"IDENTITY_ACCESS":             {"Identity Access", "Identity Access", "merchant", "IOS", 365},
}

// nameAs names a certificate of kind k issued to who as Apple does: name
// "Apple Distribution: Example Corp", subject CN "Apple Distribution: Example
// Corp (A1B2C3D4E5)" with tag (a team or person id) when there is one.
func (c *certificate) nameAs(k certKind, who, tag string) {
	c.displayName = who
	c.name = k.label + ": " + who
	c.commonName = k.cn + ": " + who
	if tag != "" {
		c.commonName += " (" + tag + ")"
	}
	c.platform = json.RawMessage(`"` + k.platform + `"`)
}

var certTypeWeights = []weighted[string]{
	{"DEVELOPMENT", 30}, {"DISTRIBUTION", 22}, {"IOS_DEVELOPMENT", 8}, {"IOS_DISTRIBUTION", 8},
	{"MAC_APP_DEVELOPMENT", 3}, {"MAC_APP_DISTRIBUTION", 4}, {"MAC_INSTALLER_DISTRIBUTION", 3},
	{"DEVELOPER_ID_APPLICATION", 4}, {"DEVELOPER_ID_APPLICATION_G2", 5}, {"DEVELOPER_ID_KEXT", 1},
	{"DEVELOPER_ID_KEXT_G2", 1}, {"PASS_TYPE_ID", 2}, {"PASS_TYPE_ID_WITH_NFC", 1}, {"APPLE_PAY", 1},
	{"APPLE_PAY_MERCHANT_IDENTITY", 1}, {"APPLE_PAY_PSP_IDENTITY", 1}, {"APPLE_PAY_RSA", 1}, {"IDENTITY_ACCESS", 1},
}

// expiryBucket spreads expiry dates by position, so that even a small
// sandbox has some expired items (one in ten) and some expiring within 30
// days (one in eight); the rest stay valid for a while.
func expiryBucket(i int) string {
	switch {
	case i%10 == 9:
		return "expired"
	case i%8 == 4:
		return "soon"
	}
	return "valid"
}

// expiry picks a date in the bucket; valid ones fall within maxDays.
func (g *gen) expiry(bucket string, maxDays int) time.Time {
	switch bucket {
	case "expired":
		return g.at(-1 - g.rng.IntN(300))
	case "soon":
		return g.at(1 + g.rng.IntN(28))
	}
	return g.at(31 + g.rng.IntN(maxDays-31))
}

func (g *gen) certificates(st *store) {
	merchants := []string{"merchant.com.example.store", "merchant.com.example.tickets"}
	for i := 0; i < g.cfg.Certificates; i++ {
		ct := firstThenWeighted(g, i, certTypeWeights)
		if g.quirks && i%13 == 12 {
			ct = "DEVELOPER_ID_INSTALLER"
		}
		k := certKinds[ct]
		c := &certificate{base: base{g.id()}, certType: ct, activated: g.rng.IntN(100) >= 3, developmentUse: developmentCertTypes[ct]}
		var who, tag string
		switch k.subject {
		case "person":
			p := g.people[g.rng.IntN(len(g.people))]
			who, tag, c.userID = p.name, p.userID, p.userID
		case "team":
			who, tag, c.userID = g.cfg.TeamName, g.cfg.TeamID, g.cfg.TeamID
		case "pass":
			p := st.passes.items[g.rng.IntN(len(st.passes.items))]
			who, c.pass, c.userID = p.identifier, p, p.identifier
			p.certs = append(p.certs, c)
		default:
			who = merchants[g.rng.IntN(len(merchants))]
			c.userID = who
		}
		c.nameAs(k, who, tag)
		if g.quirks {
			switch {
			case ct == "DEVELOPMENT" && i%3 == 0:
				c.platform = json.RawMessage(`null`)
			case k.platform == "MAC_OS" && i%2 == 0:
				c.platform = json.RawMessage(`"MAC_OS_X"`)
			}
		}
		for c.serial == nil || c.serial.Sign() == 0 {
			var b [8]byte
			for j := range b {
				b[j] = byte(g.rng.IntN(256))
			}
			c.serial = new(big.Int).SetBytes(b[:])
		}
		c.serialText = strings.ToUpper(c.serial.Text(16))
		c.expires = g.expiry(expiryBucket(i), k.days)
		c.issued = c.expires.Add(-time.Duration(k.days) * day)
		c.expiresText = appleTime(c.expires)
		st.certs.add(c)
	}
}

// profileKind describes a profile type: what it runs on, which certificates
// and devices it takes, and how people name it.
type profileKind struct {
	platform string // profile platform attribute
	family   string // "ios", "tvos", "mac": which devices and plist Platform
	certs    []string
	devices  bool
	label    string // "Development", "App Store", ...
	match    string // fastlane match's word for it
}

var (
	iosDevCerts   = []string{"DEVELOPMENT", "IOS_DEVELOPMENT"}
	iosDistCerts  = []string{"DISTRIBUTION", "IOS_DISTRIBUTION"}
	macDevCerts   = []string{"DEVELOPMENT", "MAC_APP_DEVELOPMENT"}
	macDistCerts  = []string{"DISTRIBUTION", "MAC_APP_DISTRIBUTION"}
	macDirectCert = []string{"DEVELOPER_ID_APPLICATION", "DEVELOPER_ID_APPLICATION_G2"}
)

var profileKinds = map[string]profileKind{
	"IOS_APP_DEVELOPMENT":          {"IOS", "ios", iosDevCerts, true, "Development", "Development"},
	"IOS_APP_STORE":                {"IOS", "ios", iosDistCerts, false, "App Store", "AppStore"},
	"IOS_APP_ADHOC":                {"IOS", "ios", iosDistCerts, true, "Ad Hoc", "AdHoc"},
	"IOS_APP_INHOUSE":              {"IOS", "ios", iosDistCerts, false, "In House", "InHouse"},
	"MAC_APP_DEVELOPMENT":          {"MAC_OS", "mac", macDevCerts, true, "Development", "Development"},
	"MAC_APP_STORE":                {"MAC_OS", "mac", macDistCerts, false, "Mac App Store", "AppStore"},
	"MAC_APP_DIRECT":               {"MAC_OS", "mac", macDirectCert, false, "Developer ID", "DeveloperID"},
	"MAC_APP_INHOUSE":              {"MAC_OS", "mac", macDistCerts, false, "In House", "InHouse"}, // a quirk
	"TVOS_APP_DEVELOPMENT":         {"IOS", "tvos", iosDevCerts, true, "tvOS Development", "Development"},
	"TVOS_APP_STORE":               {"IOS", "tvos", iosDistCerts, false, "tvOS App Store", "AppStore"},
	"TVOS_APP_ADHOC":               {"IOS", "tvos", iosDistCerts, true, "tvOS Ad Hoc", "AdHoc"},
	"TVOS_APP_INHOUSE":             {"IOS", "tvos", iosDistCerts, false, "tvOS In House", "InHouse"},
	"MAC_CATALYST_APP_DEVELOPMENT": {"MAC_OS", "mac", macDevCerts, true, "Catalyst Development", "Development"},
	"MAC_CATALYST_APP_STORE":       {"MAC_OS", "mac", macDistCerts, false, "Catalyst App Store", "AppStore"},
	"MAC_CATALYST_APP_DIRECT":      {"MAC_OS", "mac", macDirectCert, false, "Catalyst Developer ID", "DeveloperID"},
	"MAC_CATALYST_APP_INHOUSE":     {"MAC_OS", "mac", macDistCerts, false, "Catalyst In House", "InHouse"}, // a quirk
}

var profileTypeWeights = []weighted[string]{
	{"IOS_APP_DEVELOPMENT", 26}, {"IOS_APP_STORE", 20}, {"IOS_APP_ADHOC", 10}, {"IOS_APP_INHOUSE", 3},
	{"MAC_APP_DEVELOPMENT", 6}, {"MAC_APP_STORE", 6}, {"MAC_APP_DIRECT", 5}, {"TVOS_APP_DEVELOPMENT", 3},
	{"TVOS_APP_STORE", 3}, {"TVOS_APP_ADHOC", 2}, {"TVOS_APP_INHOUSE", 1}, {"MAC_CATALYST_APP_DEVELOPMENT", 3},
	{"MAC_CATALYST_APP_STORE", 3}, {"MAC_CATALYST_APP_DIRECT", 2},
}

// deviceFamily says which device classes a profile family provisions.
func deviceFamily(class string) string {
	switch class {
	case "MAC":
		return "mac"
	case "APPLE_TV":
		return "tvos"
	default:
		return "ios"
	}
}

func (g *gen) profiles(st *store) {
	certsByType := map[string][]*certificate{}
	for _, c := range st.certs.items {
		certsByType[c.certType] = append(certsByType[c.certType], c)
	}
	devicesByFamily := map[string][]*device{}
	for _, d := range st.devices.items {
		f := deviceFamily(d.class)
		devicesByFamily[f] = append(devicesByFamily[f], d)
	}
	bundlesFor := map[string][]*bundleID{}
	for _, b := range st.bundles.items {
		if b.platform != "MAC_OS" {
			bundlesFor["ios"] = append(bundlesFor["ios"], b)
		}
		if b.platform != "IOS" {
			bundlesFor["mac"] = append(bundlesFor["mac"], b)
		}
	}
	bundlesFor["tvos"] = bundlesFor["ios"]
	names := map[string]bool{}
	certPools := map[string][]*certificate{}

	var chosenTypes []string
	for _, t := range g.cfg.ProfileTypes {
		if _, ok := profileKinds[t]; ok {
			chosenTypes = append(chosenTypes, t)
		}
	}
	for i := 0; i < g.cfg.Profiles; i++ {
		pt := firstThenWeighted(g, i, profileTypeWeights)
		if len(chosenTypes) > 0 {
			pt = chosenTypes[i%len(chosenTypes)]
		}
		if g.quirks && i%17 == 16 {
			pt = []string{"MAC_APP_INHOUSE", "MAC_CATALYST_APP_INHOUSE"}[g.rng.IntN(2)]
		}
		k := profileKinds[pt]
		p := &profile{base: base{g.id()}, profileType: pt, platform: k.platform, uuid: g.uuid(), state: "ACTIVE"}

		if bs := bundlesFor[k.family]; len(bs) > 0 {
			p.bundle = bs[g.rng.IntN(len(bs))]
		} else if len(st.bundles.items) > 0 {
			p.bundle = st.bundles.items[g.rng.IntN(len(st.bundles.items))]
		}
		if p.bundle != nil {
			p.bundle.profiles = append(p.bundle.profiles, p)
		}

		pool := certPools[pt]
		if pool == nil {
			for _, t := range k.certs {
				pool = append(pool, certsByType[t]...)
			}
			if len(pool) == 0 {
				pool = st.certs.items
			}
			certPools[pt] = pool
		}
		n := 1
		switch {
		case developmentProfiles[pt] && g.rng.IntN(100) < 5:
			n = len(pool) // a team profile holding every developer's certificate
		case developmentProfiles[pt]:
			n = 1 + g.rng.IntN(3)
		case g.rng.IntN(100) < 15:
			n = 2
		}
		p.certs = chooseSome(g, pool, n)

		if k.devices {
			family := devicesByFamily[k.family]
			switch {
			case i == 0 || g.rng.IntN(100) < 25:
				p.devices = slices.Clone(family) // "all devices", more than the include limit of 50 in big teams
			case len(family) > 0:
				p.devices = chooseSome(g, family, 1+g.rng.IntN(min(20, len(family))))
			}
		}

		g.profileDates(p, expiryBucket(i))
		p.name = g.profileName(p, k, names)
		st.profiles.add(p)
	}
}

// profileDates dates a profile as Apple does: it expires a year after it was
// made, or with the first of its certificates to expire, whichever comes
// first, and it was made after its newest certificate was issued.
func (g *gen) profileDates(p *profile, bucket string) {
	var certStart, certEnd time.Time
	for _, c := range p.certs {
		if c.issued.After(certStart) {
			certStart = c.issued
		}
		if certEnd.IsZero() || c.expires.Before(certEnd) {
			certEnd = c.expires
		}
	}
	p.expires = g.expiry(bucket, 330)
	if p.expires.Before(certStart.Add(day)) && certStart.Before(g.today.Add(-2*day)) {
		// Its certificates are newer than that: expire between their issue and today.
		p.expires = certStart.Add(day + time.Duration(g.rng.Int64N(int64(g.today.Sub(certStart)-2*day))))
	}
	if !certEnd.IsZero() && certEnd.Before(p.expires) {
		p.expires = certEnd
	}
	p.created = p.expires.Add(-365 * day)
	if p.created.Before(certStart) {
		p.created = certStart
	}
	if !p.created.Before(p.expires) {
		p.created = p.expires.Add(-day)
	}
	p.createdText, p.expiresText = appleTime(p.created), appleTime(p.expires)
	switch {
	case p.expires.Before(g.today) && g.quirks:
		p.state = []string{"ACTIVE", "EXPIRED"}[g.rng.IntN(2)] // Apple keeps expired profiles ACTIVE, or says EXPIRED
	case p.expires.Before(g.today):
		p.state = "INVALID"
	case g.rng.IntN(100) < 4:
		p.state = "INVALID" // e.g. a capability changed since
	}
}

func (g *gen) profileName(p *profile, k profileKind, taken map[string]bool) string {
	ident, appName := "com.example.app", "Example"
	if p.bundle != nil {
		ident, appName = p.bundle.identifier, p.bundle.name
	}
	var name string
	switch r := g.rng.IntN(100); {
	case developmentProfiles[p.profileType] && r < 35:
		prefix := map[string]string{"ios": "iOS", "tvos": "tvOS", "mac": "Mac"}[k.family]
		name = prefix + " Team Provisioning Profile: " + ident
	case r < 60:
		name = "match " + k.match + " " + ident
	default:
		name = appName + " " + k.label
	}
	for n, stem := 2, name; taken[name]; n++ { // Apple wants profile names unique
		name = fmt.Sprintf("%s %d", stem, n)
	}
	taken[name] = true
	return name
}
