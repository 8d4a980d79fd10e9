package sandbox

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/asckeys/asckeys/core"
)

// Apple's words for a CSR it refuses.
const (
	csrWrongKey = "CSR algorithm/size incorrect. Expected: RSA(2048)"
	csrInvalid  = "The certificate request is invalid"
)

// apiCertOwner is who development certificates made with an API key are
// issued to: no person stands behind a team key, and the portal is reported
// to show such certificates as "Created via API". The development limit
// counts the certificates of this owner.
const apiCertOwner = "Created via API"

// Certificate types by what an API key may do with them.
var (
	// accountHolderOnly: Developer ID certificates are made on Apple's
	// website or in Xcode; DEVELOPER_ID_INSTALLER (not in the spec) only
	// with an Apple ID.
	accountHolderOnly = []string{
		"DEVELOPER_ID_APPLICATION", "DEVELOPER_ID_APPLICATION_G2", "DEVELOPER_ID_KEXT", "DEVELOPER_ID_KEXT_G2",
		"DEVELOPER_ID_INSTALLER",
	}
	// knownCertTypes are the spec's types and DEVELOPER_ID_INSTALLER, which
	// the live API knows (and refuses to API keys with a 403, not a 409).
	knownCertTypes = append(slices.Clone(certificateTypes), "DEVELOPER_ID_INSTALLER")
	// needsMerchant: Apple Pay and identity certificates belong to a
	// merchant ID, which the sandbox does not model.
	needsMerchant = []string{"APPLE_PAY", "APPLE_PAY_MERCHANT_IDENTITY", "APPLE_PAY_PSP_IDENTITY", "APPLE_PAY_RSA", "IDENTITY_ACCESS"}
	// certLimits are the reported limits of current certificates per type
	// (per team; development ones per person, here apiCertOwner).
	certLimits = map[string]int{
		"DISTRIBUTION": 3, "IOS_DISTRIBUTION": 3, "MAC_APP_DISTRIBUTION": 3, "MAC_INSTALLER_DISTRIBUTION": 3,
		"DEVELOPMENT": 2, "IOS_DEVELOPMENT": 2, "MAC_APP_DEVELOPMENT": 2,
	}
)

// certLimit is the number of current certificates of type ct a team may
// hold, 0 for no limit: distribution types have 3, or 2 in the Enterprise
// Program.
func certLimit(ct string, kind core.KeyKind) int {
	n := certLimits[ct]
	if kind == core.KindEnterprise && !developmentCertTypes[ct] && n > 0 {
		n = 2
	}
	return n
}

// createCertificate is POST /v1/certificates: Apple's checks in Apple's
// words, then a real certificate from the sandbox CA over the CSR's key.
func createCertificate(c *call, _ string) reply {
	if errs := parseParams(c, certificatesType, modeWrite); errs != nil {
		return errorReply(errs...)
	}
	b, bad := readBody(c, "certificates", []string{"csrContent", "certificateType"}, []string{"passTypeId", "merchantId"})
	if bad != nil {
		return errorReply(bad)
	}
	ct, _ := b.str("certificateType", true, knownCertTypes)
	csrText, _ := b.str("csrContent", true, nil)
	passIDs, hasPass := b.linkage("passTypeId", "passTypeIds", false, false)
	merchantIDs, _ := b.linkage("merchantId", "merchantIds", false, false)
	if rep, ok := b.reply(); !ok {
		return rep
	}
	st := c.s.data
	switch {
	case slices.Contains(accountHolderOnly, ct):
		return errorReply(errForbidden("This operation can only be performed by the Account Holder"))
	case c.key.Role == RoleDeveloper && !developmentCertTypes[ct]:
		return errorReply(errNotAllowed())
	case slices.Contains(needsMerchant, ct) && len(merchantIDs) == 0:
		return errorReply(errEntity("ENTITY_ERROR.RELATIONSHIP.REQUIRED", "/data/relationships/merchantId",
			"The relationship 'merchantId' is required"))
	case slices.Contains(needsMerchant, ct):
		return errorReply(errEntity("ENTITY_ERROR.RELATIONSHIP.INVALID", "/data/relationships/merchantId",
			fmt.Sprintf("There is no Merchant ID with ID '%s' on this team.", merchantIDs[0])))
	case strings.HasPrefix(ct, "PASS_TYPE_ID") && !hasPass:
		return errorReply(errEntity("ENTITY_ERROR.RELATIONSHIP.REQUIRED", "/data/relationships/passTypeId",
			"The relationship 'passTypeId' is required"))
	}
	var pass *passTypeID
	if hasPass {
		p, ok := st.passes.get(passIDs[0])
		if !ok || !strings.HasPrefix(ct, "PASS_TYPE_ID") {
			return errorReply(errEntity("ENTITY_ERROR.RELATIONSHIP.INVALID", "/data/relationships/passTypeId",
				fmt.Sprintf("There is no Pass Type ID with ID '%s' on this team for a %s certificate.", passIDs[0], ct)))
		}
		pass = p
	}
	pub, csrErr := checkCSR(csrText)
	if csrErr != "" {
		return errorReply(errEntity("ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/csrContent", csrErr))
	}
	now := c.s.now()
	if limit := certLimit(ct, c.key.Kind); limit > 0 && st.currentCerts(ct, now) >= limit {
		return errorReply(errEntity("ENTITY_ERROR", "", "You already have a current "+
			strings.TrimPrefix(certKinds[ct].label, "Apple ")+" certificate or a pending certificate request."))
	}
	v := st.issueCertificate(c.s.cfg, ct, pub, pass, now)
	return written(c, certificatesType, v, http.StatusCreated)
}

// checkCSR parses csrContent (PEM text or the base64 of the DER) and
// applies Apple's rules: RSA 2048, version 0, signed with SHA-256, a good
// signature. It returns the public key, or what Apple says.
func checkCSR(text string) (*rsa.PublicKey, string) {
	var der []byte
	if blk, _ := pem.Decode([]byte(strings.TrimSpace(text))); blk != nil {
		if blk.Type != "CERTIFICATE REQUEST" && blk.Type != "NEW CERTIFICATE REQUEST" {
			return nil, csrInvalid
		}
		der = blk.Bytes
	} else {
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
		if err != nil {
			return nil, csrInvalid
		}
		der = b
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, csrInvalid
	}
	pub, ok := csr.PublicKey.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() != 2048 {
		return nil, csrWrongKey
	}
	// The algorithm is checked before the signature: crypto/x509 refuses
	// to verify SHA-1 signatures at all.
	if csr.Version != 0 || csr.SignatureAlgorithm != x509.SHA256WithRSA || csr.CheckSignature() != nil {
		return nil, csrInvalid
	}
	return pub, ""
}

// currentCerts counts the certificates of type ct that have not expired,
// revoked ones included, as Apple is reported to count them. Development
// types count only the API's own (see apiCertOwner).
func (st *store) currentCerts(ct string, now time.Time) int {
	n := 0
	for _, list := range [][]*certificate{st.certs.items, st.revoked} {
		for _, v := range list {
			if v.certType == ct && v.expires.After(now) && (!developmentCertTypes[ct] || v.displayName == apiCertOwner) {
				n++
			}
		}
	}
	return n
}

// issueCertificate adds a certificate of type ct over pub, named as Apple
// names it: "Apple Distribution: Example Corp (A1B2C3D4E5)", valid from now
// for the type's lifetime (a year for development and distribution).
func (st *store) issueCertificate(cfg Config, ct string, pub any, pass *passTypeID, now time.Time) *certificate {
	k := certKinds[ct]
	v := &certificate{base: base{st.newID()}, certType: ct, activated: true, developmentUse: developmentCertTypes[ct], pub: pub}
	who, tag := cfg.TeamName, cfg.TeamID
	v.userID = cfg.TeamID
	switch {
	case pass != nil:
		who, tag, v.userID = pass.identifier, "", pass.identifier
		v.pass = pass
		pass.certs = append(slices.Clone(pass.certs), v)
	case k.subject == "person":
		who = apiCertOwner
	}
	v.nameAs(k, who, tag)
	for v.serial == nil || v.serial.Sign() == 0 || st.serialTaken(v.serial) {
		var b [8]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
		v.serial = new(big.Int).SetBytes(b[:])
	}
	v.serialText = strings.ToUpper(v.serial.Text(16))
	// Apple's dates have milliseconds; the X.509 ones are whole seconds.
	v.issued = now.UTC().Truncate(time.Second)
	v.expires = v.issued.Add(time.Duration(k.days) * day)
	v.expiresText = appleTime(v.expires)
	st.certs.add(v)
	return v
}

func (st *store) serialTaken(n *big.Int) bool {
	for _, list := range [][]*certificate{st.certs.items, st.revoked} {
		if slices.ContainsFunc(list, func(v *certificate) bool { return v.serial.Cmp(n) == 0 }) {
			return true
		}
	}
	return false
}
