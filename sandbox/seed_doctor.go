package sandbox

import (
	"math/big"
	"strings"
	"time"
)

// seedDoctor builds the Doctor scenario (Config.Doctor): a small team whose
// bundle IDs, between them, show every problem `asckeys doctor` knows at
// Apple's side, each fixable with an API key:
//
//   - com.example.doctor.notes (iOS): development profile INVALID
//     (profile-invalid), App Store and ad hoc profiles expired with their
//     only certificate (profile-expired, certificate-expired);
//   - com.example.doctor.maps (iOS): development profile without one of the
//     enabled iPhones (profile-missing-devices); no ad hoc or App Store
//     profile (no-profile);
//   - com.example.doctor.desk (macOS): no Mac certificate at all
//     (no-certificate) and no profile.
//
// The one valid certificate (iOS Development) was made on another machine,
// so its private key is not here (no-private-key) and no profile includes a
// certificate whose key is here (profile-missing-certificate). Nothing is
// installed on a fresh machine (not-installed); installing a profile and
// then regenerating it at Apple makes the installed copy installed-stale.
func seedDoctor(g *gen, st *store) {
	bundle := func(identifier, name, platform string) *bundleID {
		b := &bundleID{base: base{g.id()}, identifier: identifier, name: name, platform: platform, seedID: g.cfg.TeamID}
		st.bundles.add(b)
		return b
	}
	notes := bundle("com.example.doctor.notes", "Notes", "IOS")
	maps := bundle("com.example.doctor.maps", "Maps", "IOS")
	bundle("com.example.doctor.desk", "Desk", "MAC_OS")

	addDevice := func(name, class, platform, status, udid string) *device {
		d := &device{base: base{g.id()}, name: name, class: class, platform: platform, status: status, udid: udid,
			model: deviceModels[class][0], added: g.at(-100)}
		d.addedText = appleTime(d.added)
		st.devices.add(d)
		return d
	}
	phone := addDevice("Jane’s iPhone", "IPHONE", "IOS", "ENABLED", "00008030-001A35E11A88003A")
	pad := addDevice("John’s iPad", "IPAD", "IOS", "ENABLED", "00008103-000A1C2E0C30801E")
	addDevice("Old iPhone", "IPHONE", "IOS", "DISABLED", strings.Repeat("ab", 20))
	addDevice("Studio Mac", "MAC", "MAC_OS", "ENABLED", "00006000-001C2D3A0E98801E")

	cert := func(certType string, expires time.Time) *certificate {
		k := certKinds[certType]
		c := &certificate{base: base{g.id()}, certType: certType, activated: true, developmentUse: developmentCertTypes[certType]}
		who, tag := g.cfg.TeamName, g.cfg.TeamID
		if k.subject == "person" {
			p := g.people[0]
			who, tag, c.userID = p.name, p.userID, p.userID
		} else {
			c.userID = g.cfg.TeamID
		}
		c.nameAs(k, who, tag)
		c.serial = big.NewInt(0x5eed0000 + int64(len(st.certs.items)) + 1)
		c.serialText = strings.ToUpper(c.serial.Text(16))
		c.expires, c.expiresText = expires, appleTime(expires)
		c.issued = expires.Add(-time.Duration(k.days) * day)
		st.certs.add(c)
		return c
	}
	dev := cert("IOS_DEVELOPMENT", g.at(20)) // expiring soon: the window offers Renew
	dist := cert("IOS_DISTRIBUTION", g.at(-10))

	prof := func(b *bundleID, name, profileType, state string, certs []*certificate, devices []*device) {
		p := &profile{base: base{g.id()}, name: name, profileType: profileType, platform: profileKinds[profileType].platform,
			uuid: g.uuid(), state: state, bundle: b, certs: certs, devices: devices}
		p.expires = certs[0].expires
		p.created = p.expires.Add(-300 * day)
		p.createdText, p.expiresText = appleTime(p.created), appleTime(p.expires)
		b.profiles = append(b.profiles, p)
		st.profiles.add(p)
	}
	prof(notes, "Notes Development", "IOS_APP_DEVELOPMENT", "INVALID", []*certificate{dev}, []*device{phone, pad})
	prof(notes, "Notes App Store", "IOS_APP_STORE", "INVALID", []*certificate{dist}, nil)
	prof(notes, "Notes Ad Hoc", "IOS_APP_ADHOC", "INVALID", []*certificate{dist}, []*device{phone, pad})
	prof(maps, "Maps Development", "IOS_APP_DEVELOPMENT", "ACTIVE", []*certificate{dev}, []*device{phone})
}
