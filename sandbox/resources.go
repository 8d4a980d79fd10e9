package sandbox

import (
	"encoding/json"
	"strings"
)

// Enumerations from the spec (4.4.1); the filters accept exactly these.
var (
	certificateTypes = []string{
		"APPLE_PAY", "APPLE_PAY_MERCHANT_IDENTITY", "APPLE_PAY_PSP_IDENTITY", "APPLE_PAY_RSA", "DEVELOPER_ID_KEXT",
		"DEVELOPER_ID_KEXT_G2", "DEVELOPER_ID_APPLICATION", "DEVELOPER_ID_APPLICATION_G2", "DEVELOPMENT", "DISTRIBUTION",
		"IDENTITY_ACCESS", "IOS_DEVELOPMENT", "IOS_DISTRIBUTION", "MAC_APP_DISTRIBUTION", "MAC_INSTALLER_DISTRIBUTION",
		"MAC_APP_DEVELOPMENT", "PASS_TYPE_ID", "PASS_TYPE_ID_WITH_NFC",
	}
	profileTypes = []string{
		"IOS_APP_DEVELOPMENT", "IOS_APP_STORE", "IOS_APP_ADHOC", "IOS_APP_INHOUSE", "MAC_APP_DEVELOPMENT", "MAC_APP_STORE",
		"MAC_APP_DIRECT", "TVOS_APP_DEVELOPMENT", "TVOS_APP_STORE", "TVOS_APP_ADHOC", "TVOS_APP_INHOUSE",
		"MAC_CATALYST_APP_DEVELOPMENT", "MAC_CATALYST_APP_STORE", "MAC_CATALYST_APP_DIRECT",
	}
	profileStates   = []string{"ACTIVE", "INVALID"}
	filterPlatforms = []string{"IOS", "MAC_OS", "UNIVERSAL"}
	deviceStatuses  = []string{"ENABLED", "DISABLED"}
	deviceClasses   = []string{"APPLE_VISION_PRO", "APPLE_WATCH", "IPAD", "IPHONE", "IPOD", "APPLE_TV", "MAC"}
)

// Field lists, in the spec's order; the constants below index them.
var (
	certificateFields = []string{"name", "certificateType", "displayName", "serialNumber", "platform", "expirationDate",
		"certificateContent", "activated", "passTypeId"}
	profileFields = []string{"name", "platform", "profileType", "profileState", "profileContent", "uuid", "createdDate",
		"expirationDate", "bundleId", "devices", "certificates"}
	bundleIDFields   = []string{"name", "platform", "identifier", "seedId", "profiles", "bundleIdCapabilities", "app"}
	deviceFields     = []string{"name", "platform", "udid", "deviceClass", "status", "model", "addedDate"}
	passTypeIDFields = []string{"name", "identifier", "certificates"}
	capabilityFields = []string{"capabilityType", "settings"}
	appFields        = []string{
		"accessibilityUrl", "name", "bundleId", "sku", "primaryLocale", "isOrEverWasMadeForKids",
		"subscriptionStatusUrl", "subscriptionStatusUrlVersion", "subscriptionStatusUrlForSandbox",
		"subscriptionStatusUrlVersionForSandbox", "contentRightsDeclaration", "streamlinedPurchasingEnabled",
		"accessibilityDeclarations", "appEncryptionDeclarations", "appStoreIcon", "ciProduct", "betaTesters",
		"betaGroups", "appStoreVersions", "appTags", "preReleaseVersions", "betaAppLocalizations", "builds",
		"betaLicenseAgreement", "betaAppReviewDetail", "appInfos", "appClips", "appPricePoints",
		"endUserLicenseAgreement", "appPriceSchedule", "appAvailabilityV2", "inAppPurchases", "subscriptionGroups",
		"gameCenterEnabledVersions", "perfPowerMetrics", "appCustomProductPages", "inAppPurchasesV2",
		"promotedPurchases", "appEvents", "reviewSubmissions", "subscriptionGracePeriod", "customerReviews",
		"customerReviewSummarizations", "gameCenterDetail", "appStoreVersionExperimentsV2",
		"alternativeDistributionKey", "analyticsReportRequests", "marketplaceSearchDetail", "buildUploads",
		"backgroundAssets", "betaFeedbackScreenshotSubmissions", "betaFeedbackCrashSubmissions", "searchKeywords",
		"webhooks", "androidToIosAppMappingDetails",
	}
)

const (
	cfName = iota
	cfCertificateType
	cfDisplayName
	cfSerialNumber
	cfPlatform
	cfExpirationDate
	cfCertificateContent
	cfActivated
	cfPassTypeID
)

const (
	pfName = iota
	pfPlatform
	pfProfileType
	pfProfileState
	pfProfileContent
	pfUUID
	pfCreatedDate
	pfExpirationDate
	pfBundleID
	pfDevices
	pfCertificates
)

const (
	bfName = iota
	bfPlatform
	bfIdentifier
	bfSeedID
	bfProfiles
	bfCapabilities
	bfApp
)

const (
	dfName = iota
	dfPlatform
	dfUDID
	dfDeviceClass
	dfStatus
	dfModel
	dfAddedDate
)

const (
	ptfName = iota
	ptfIdentifier
	ptfCertificates
)

// The few app attributes the sandbox models, by their place in appFields.
const (
	afName          = 1
	afBundleID      = 2
	afSKU           = 3
	afPrimaryLocale = 4
)

// attrMask selects the attribute bits (the fields before the first
// relationship) of a type's mask.
func attrMask(firstRelationship int) fieldMask { return 1<<firstRelationship - 1 }

// Attributes, with every member optional so that a sparse fieldset leaves out
// what was not asked for.
type (
	certificateAttributes struct {
		Name               string          `json:"name,omitempty"`
		CertificateType    string          `json:"certificateType,omitempty"`
		DisplayName        string          `json:"displayName,omitempty"`
		SerialNumber       string          `json:"serialNumber,omitempty"`
		Platform           json.RawMessage `json:"platform,omitempty"`
		ExpirationDate     string          `json:"expirationDate,omitempty"`
		CertificateContent string          `json:"certificateContent,omitempty"`
		Activated          *bool           `json:"activated,omitempty"`
	}
	certificateRelationships struct {
		PassTypeID *relationship `json:"passTypeId,omitempty"`
	}
	profileAttributes struct {
		Name           string `json:"name,omitempty"`
		Platform       string `json:"platform,omitempty"`
		ProfileType    string `json:"profileType,omitempty"`
		ProfileState   string `json:"profileState,omitempty"`
		ProfileContent string `json:"profileContent,omitempty"`
		UUID           string `json:"uuid,omitempty"`
		CreatedDate    string `json:"createdDate,omitempty"`
		ExpirationDate string `json:"expirationDate,omitempty"`
	}
	profileRelationships struct {
		BundleID     *relationship `json:"bundleId,omitempty"`
		Devices      *relationship `json:"devices,omitempty"`
		Certificates *relationship `json:"certificates,omitempty"`
	}
	bundleIDAttributes struct {
		Name       string `json:"name,omitempty"`
		Platform   string `json:"platform,omitempty"`
		Identifier string `json:"identifier,omitempty"`
		SeedID     string `json:"seedId,omitempty"`
	}
	bundleIDRelationships struct {
		Profiles     *relationship `json:"profiles,omitempty"`
		Capabilities *relationship `json:"bundleIdCapabilities,omitempty"`
		App          *relationship `json:"app,omitempty"`
	}
	deviceAttributes struct {
		Name        string `json:"name,omitempty"`
		Platform    string `json:"platform,omitempty"`
		UDID        string `json:"udid,omitempty"`
		DeviceClass string `json:"deviceClass,omitempty"`
		Status      string `json:"status,omitempty"`
		Model       string `json:"model,omitempty"`
		AddedDate   string `json:"addedDate,omitempty"`
	}
	passTypeIDAttributes struct {
		Name       string `json:"name,omitempty"`
		Identifier string `json:"identifier,omitempty"`
	}
	passTypeIDRelationships struct {
		Certificates *relationship `json:"certificates,omitempty"`
	}
	appAttributes struct {
		Name          string `json:"name,omitempty"`
		BundleID      string `json:"bundleId,omitempty"`
		SKU           string `json:"sku,omitempty"`
		PrimaryLocale string `json:"primaryLocale,omitempty"`
	}
)

// The resource types. Their render functions refer to one another (profiles
// include certificates, bundle IDs include profiles), so they are wired in
// init to keep the package's initialisation acyclic.
var (
	certificatesType = &resourceType[*certificate]{
		name:      "certificates",
		fields:    certificateFields,
		relations: []relation{{name: "passTypeId", typ: "passTypeIds"}},
		table:     func(s *store) *table[*certificate] { return &s.certs },
		filters: map[string]filter[*certificate]{
			"displayName":     exact(func(v *certificate) string { return v.displayName }),
			"certificateType": enum(certificateTypes, func(v *certificate) string { return v.certType }),
			"serialNumber":    caseless(func(v *certificate) string { return v.serialText }),
			"id":              exact(func(v *certificate) string { return v.id }),
		},
		sorts: map[string]func(*certificate) string{
			"displayName":     func(v *certificate) string { return v.displayName },
			"certificateType": func(v *certificate) string { return v.certType },
			"serialNumber":    func(v *certificate) string { return v.serialText },
			"id":              func(v *certificate) string { return v.id },
		},
	}
	profilesType = &resourceType[*profile]{
		name:   "profiles",
		fields: profileFields,
		relations: []relation{
			{name: "bundleId", typ: "bundleIds"},
			{name: "devices", typ: "devices", many: true},
			{name: "certificates", typ: "certificates", many: true},
		},
		table: func(s *store) *table[*profile] { return &s.profiles },
		filters: map[string]filter[*profile]{
			"name":         exact(func(v *profile) string { return v.name }),
			"profileType":  enum(profileTypes, func(v *profile) string { return v.profileType }),
			"profileState": enum(profileStates, func(v *profile) string { return v.state }),
			"id":           exact(func(v *profile) string { return v.id }),
		},
		sorts: map[string]func(*profile) string{
			"name":         func(v *profile) string { return v.name },
			"profileType":  func(v *profile) string { return v.profileType },
			"profileState": func(v *profile) string { return v.state },
			"id":           func(v *profile) string { return v.id },
		},
	}
	bundleIDsType = &resourceType[*bundleID]{
		name:   "bundleIds",
		fields: bundleIDFields,
		relations: []relation{
			{name: "profiles", typ: "profiles", many: true},
			{name: "bundleIdCapabilities", typ: "bundleIdCapabilities", many: true},
			{name: "app", typ: "apps"},
		},
		table: func(s *store) *table[*bundleID] { return &s.bundles },
		filters: map[string]filter[*bundleID]{
			"name":     exact(func(v *bundleID) string { return v.name }),
			"platform": enum(filterPlatforms, func(v *bundleID) string { return v.platform }),
			// Apple's identifier filter also returns longer identifiers
			// (com.example.app matches com.example.app.widget), so clients
			// must compare identifiers themselves.
			"identifier": {match: func(v *bundleID, want string) bool { return strings.HasPrefix(v.identifier, want) }},
			"seedId":     exact(func(v *bundleID) string { return v.seedID }),
			"id":         exact(func(v *bundleID) string { return v.id }),
		},
		sorts: map[string]func(*bundleID) string{
			"name":       func(v *bundleID) string { return v.name },
			"platform":   func(v *bundleID) string { return v.platform },
			"identifier": func(v *bundleID) string { return v.identifier },
			"seedId":     func(v *bundleID) string { return v.seedID },
			"id":         func(v *bundleID) string { return v.id },
		},
	}
	devicesType = &resourceType[*device]{
		name:   "devices",
		fields: deviceFields,
		table:  func(s *store) *table[*device] { return &s.devices },
		filters: map[string]filter[*device]{
			"name":     exact(func(v *device) string { return v.name }),
			"platform": enum(filterPlatforms, func(v *device) string { return v.platform }),
			"udid":     caseless(func(v *device) string { return v.udid }),
			"status":   enum(deviceStatuses, func(v *device) string { return v.status }),
			"id":       exact(func(v *device) string { return v.id }),
		},
		sorts: map[string]func(*device) string{
			"name":     func(v *device) string { return v.name },
			"platform": func(v *device) string { return v.platform },
			"udid":     func(v *device) string { return v.udid },
			"status":   func(v *device) string { return v.status },
			"id":       func(v *device) string { return v.id },
		},
	}
	appsType = &resourceType[*app]{
		name:   "apps",
		fields: appFields,
		table:  func(s *store) *table[*app] { return &s.apps },
		filters: map[string]filter[*app]{
			"name":     exact(func(v *app) string { return v.name }),
			"bundleId": exact(func(v *app) string { return v.bundleIdentifier }),
			"sku":      exact(func(v *app) string { return v.sku }),
			"id":       exact(func(v *app) string { return v.id }),
		},
		sorts: map[string]func(*app) string{
			"name":     func(v *app) string { return v.name },
			"bundleId": func(v *app) string { return v.bundleIdentifier },
			"sku":      func(v *app) string { return v.sku },
		},
	}
	passTypeIDsType = &resourceType[*passTypeID]{
		name:   "passTypeIds",
		fields: passTypeIDFields,
		table:  func(s *store) *table[*passTypeID] { return &s.passes },
	}
	capabilitiesType = &resourceType[*capability]{
		name:   "bundleIdCapabilities",
		fields: capabilityFields,
		table:  func(s *store) *table[*capability] { return &s.caps },
	}
)

func init() {
	certificatesType.render = renderCertificate
	profilesType.render = renderProfile
	bundleIDsType.render = renderBundleID
	devicesType.render = renderDevice
	appsType.render = renderApp
	passTypeIDsType.render = renderPassTypeID
	capabilitiesType.render = func(c *call, v *capability, _ fieldMask, _ bool) resource {
		return c.newResource("bundleIdCapabilities", v.id)
	}
	for _, t := range []struct {
		name   string
		fields []string
	}{
		{certificatesType.name, certificatesType.fields}, {profilesType.name, profilesType.fields},
		{bundleIDsType.name, bundleIDsType.fields}, {devicesType.name, devicesType.fields},
		{appsType.name, appsType.fields}, {passTypeIDsType.name, passTypeIDsType.fields},
		{capabilitiesType.name, capabilitiesType.fields},
	} {
		typeFields[t.name] = t.fields
	}
}

func exact[T any](get func(T) string) filter[T] {
	return filter[T]{match: func(v T, want string) bool { return get(v) == want }}
}

func caseless[T any](get func(T) string) filter[T] {
	return filter[T]{match: func(v T, want string) bool { return strings.EqualFold(get(v), want) }}
}

func enum[T any](values []string, get func(T) string) filter[T] {
	return filter[T]{enum: values, match: func(v T, want string) bool { return get(v) == want }}
}

func renderCertificate(c *call, v *certificate, m fieldMask, primary bool) resource {
	res := c.newResource("certificates", v.id)
	if m&attrMask(cfPassTypeID) != 0 {
		a := &certificateAttributes{}
		if m.has(cfName) {
			a.Name = v.name
		}
		if m.has(cfCertificateType) {
			a.CertificateType = v.certType
		}
		if m.has(cfDisplayName) {
			a.DisplayName = v.displayName
		}
		if m.has(cfSerialNumber) {
			a.SerialNumber = v.serialText
		}
		if m.has(cfPlatform) {
			a.Platform = v.platform
		}
		if m.has(cfExpirationDate) {
			a.ExpirationDate = v.expiresText
		}
		if m.has(cfCertificateContent) {
			a.CertificateContent = c.certificateContent(v)
		}
		if m.has(cfActivated) {
			a.Activated = &v.activated
		}
		res.Attributes = a
	}
	if c.wantsRelation(m, cfPassTypeID, "passTypeId", primary) {
		res.Relationships = &certificateRelationships{
			PassTypeID: relateOne(c, "certificates", v.id, "passTypeId", passTypeIDsType, v.pass, primary),
		}
	}
	return res
}

func renderProfile(c *call, v *profile, m fieldMask, primary bool) resource {
	res := c.newResource("profiles", v.id)
	if m&attrMask(pfBundleID) != 0 {
		a := &profileAttributes{}
		if m.has(pfName) {
			a.Name = v.name
		}
		if m.has(pfPlatform) {
			a.Platform = v.platform
		}
		if m.has(pfProfileType) {
			a.ProfileType = v.profileType
		}
		if m.has(pfProfileState) {
			a.ProfileState = v.state
		}
		if m.has(pfProfileContent) {
			a.ProfileContent = c.profileContent(v)
		}
		if m.has(pfUUID) {
			a.UUID = v.uuid
		}
		if m.has(pfCreatedDate) {
			a.CreatedDate = v.createdText
		}
		if m.has(pfExpirationDate) {
			a.ExpirationDate = v.expiresText
		}
		res.Attributes = a
	}
	rels := &profileRelationships{}
	some := false
	if c.wantsRelation(m, pfBundleID, "bundleId", primary) {
		rels.BundleID = relateOne(c, "profiles", v.id, "bundleId", bundleIDsType, v.bundle, primary)
		some = true
	}
	if c.wantsRelation(m, pfDevices, "devices", primary) {
		rels.Devices = relateMany(c, "profiles", v.id, "devices", devicesType, v.devices, primary)
		some = true
	}
	if c.wantsRelation(m, pfCertificates, "certificates", primary) {
		rels.Certificates = relateMany(c, "profiles", v.id, "certificates", certificatesType, v.certs, primary)
		some = true
	}
	if some {
		res.Relationships = rels
	}
	return res
}

func renderBundleID(c *call, v *bundleID, m fieldMask, primary bool) resource {
	res := c.newResource("bundleIds", v.id)
	if m&attrMask(bfProfiles) != 0 {
		a := &bundleIDAttributes{}
		if m.has(bfName) {
			a.Name = v.name
		}
		if m.has(bfPlatform) {
			a.Platform = v.platform
		}
		if m.has(bfIdentifier) {
			a.Identifier = v.identifier
		}
		if m.has(bfSeedID) {
			a.SeedID = v.seedID
		}
		res.Attributes = a
	}
	rels := &bundleIDRelationships{}
	some := false
	if c.wantsRelation(m, bfProfiles, "profiles", primary) {
		rels.Profiles = relateMany(c, "bundleIds", v.id, "profiles", profilesType, v.profiles, primary)
		some = true
	}
	if c.wantsRelation(m, bfCapabilities, "bundleIdCapabilities", primary) {
		rels.Capabilities = relateMany(c, "bundleIds", v.id, "bundleIdCapabilities", capabilitiesType, nil, primary)
		some = true
	}
	if c.wantsRelation(m, bfApp, "app", primary) {
		rels.App = relateOne(c, "bundleIds", v.id, "app", appsType, v.app, primary)
		some = true
	}
	if some {
		res.Relationships = rels
	}
	return res
}

func renderDevice(c *call, v *device, m fieldMask, _ bool) resource {
	res := c.newResource("devices", v.id)
	if m == 0 {
		return res
	}
	a := &deviceAttributes{}
	if m.has(dfName) {
		a.Name = v.name
	}
	if m.has(dfPlatform) {
		a.Platform = v.platform
	}
	if m.has(dfUDID) {
		a.UDID = v.udid
	}
	if m.has(dfDeviceClass) {
		a.DeviceClass = v.class
	}
	if m.has(dfStatus) {
		a.Status = v.status
	}
	if m.has(dfModel) {
		a.Model = v.model
	}
	if m.has(dfAddedDate) {
		a.AddedDate = v.addedText
	}
	res.Attributes = a
	return res
}

func renderApp(c *call, v *app, m fieldMask, _ bool) resource {
	res := c.newResource("apps", v.id)
	if m&(1<<afName|1<<afBundleID|1<<afSKU|1<<afPrimaryLocale) == 0 {
		return res
	}
	a := &appAttributes{}
	if m.has(afName) {
		a.Name = v.name
	}
	if m.has(afBundleID) {
		a.BundleID = v.bundleIdentifier
	}
	if m.has(afSKU) {
		a.SKU = v.sku
	}
	if m.has(afPrimaryLocale) {
		a.PrimaryLocale = v.locale
	}
	res.Attributes = a
	return res
}

func renderPassTypeID(c *call, v *passTypeID, m fieldMask, primary bool) resource {
	res := c.newResource("passTypeIds", v.id)
	if m&attrMask(ptfCertificates) != 0 {
		a := &passTypeIDAttributes{}
		if m.has(ptfName) {
			a.Name = v.name
		}
		if m.has(ptfIdentifier) {
			a.Identifier = v.identifier
		}
		res.Attributes = a
	}
	if m.has(ptfCertificates) {
		res.Relationships = &passTypeIDRelationships{
			Certificates: relateMany(c, "passTypeIds", v.id, "certificates", certificatesType, v.certs, primary),
		}
	}
	return res
}

// certificateContent is the base64 DER, unless the key's role forbids it.
func (c *call) certificateContent(v *certificate) string {
	if c.key.Role == RoleDeveloper && !v.developmentUse {
		c.abort = errForbidden("The API key in use does not allow this request. Only Admin keys may download the content of " +
			v.certType + " certificates; Developer keys may download development certificates only.")
		return ""
	}
	b64, err := c.s.pki.certificateB64(v)
	if err != nil {
		c.abort = errUnexpected(500)
	}
	return b64
}

// profileContent is the base64 signed .mobileprovision, unless the key's
// role forbids it.
func (c *call) profileContent(v *profile) string {
	if c.key.Role == RoleDeveloper && !developmentProfiles[v.profileType] {
		c.abort = errForbidden("The API key in use does not allow this request. Only Admin keys may download " +
			v.profileType + " profiles; Developer keys may download development profiles only.")
		return ""
	}
	b64, err := c.s.pki.profileB64(v)
	if err != nil {
		c.abort = errUnexpected(500)
	}
	return b64
}
