package sandbox

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// UDID forms Apple takes: 40 hex digits (devices before 2018), 8 + 16 hex
// digits (A12 and later, Apple silicon Macs), and for Macs the hardware UUID.
var (
	udidForms = []*regexp.Regexp{
		regexp.MustCompile(`^[0-9a-fA-F]{40}$`),
		regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{16}$`),
	}
	macUUID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// deviceSlots is how many devices of one product family (iPhone, iPad,
// Mac, ...) a membership year allows; disabled devices keep their slot.
const deviceSlots = 100

// devicePlatforms are the platforms a device can be registered for.
var devicePlatforms = []string{"IOS", "MAC_OS"}

func validUDID(udid, platform string) bool {
	if slices.ContainsFunc(udidForms, func(re *regexp.Regexp) bool { return re.MatchString(udid) }) {
		return true
	}
	return platform == "MAC_OS" && macUUID.MatchString(udid)
}

// createDevice is POST /v1/devices. The request names no device class, so
// the sandbox files IOS devices as iPhones and MAC_OS ones as Macs (Apple
// learns the model from the device later).
func createDevice(c *call, _ string) reply {
	if errs := parseParams(c, devicesType, modeWrite); errs != nil {
		return errorReply(errs...)
	}
	b, bad := readBody(c, "devices", []string{"name", "udid", "platform"}, nil)
	if bad != nil {
		return errorReply(bad)
	}
	name, _ := b.str("name", true, nil)
	platform, _ := b.str("platform", true, devicePlatforms)
	udid, _ := b.str("udid", true, nil)
	if rep, ok := b.reply(); !ok {
		return rep
	}
	if !validUDID(udid, platform) {
		return errorReply(errEntity("ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/udid",
			fmt.Sprintf("An invalid value '%s' was provided for the attribute 'udid': expected 40 hexadecimal digits, "+
				"8 and 16 hexadecimal digits joined by a hyphen, or for a Mac its UUID.", udid)))
	}
	st := c.s.data
	if slices.ContainsFunc(st.devices.items, func(d *device) bool { return strings.EqualFold(d.udid, udid) }) {
		return errorReply(errEntity("ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/udid",
			fmt.Sprintf("A device with number '%s' already exists on this team.", udid)))
	}
	class := "IPHONE"
	if platform == "MAC_OS" {
		class = "MAC"
	}
	used := 0
	for _, d := range st.devices.items {
		if d.class == class {
			used++
		}
	}
	if used >= deviceSlots {
		return errorReply(errEntity("ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/udid",
			fmt.Sprintf("You have registered the maximum of %d %s devices for this membership year; slots are freed only when it renews.",
				deviceSlots, productFamily[class])))
	}
	now := c.s.now()
	d := &device{base: base{st.newID()}, name: name, platform: platform, udid: udid, class: class, status: "ENABLED",
		added: now, addedText: appleTime(now)}
	st.devices.add(d)
	return written(c, devicesType, d, http.StatusCreated)
}

// productFamily names device classes as Apple's device limits do.
var productFamily = map[string]string{
	"IPHONE": "iPhone", "IPAD": "iPad", "IPOD": "iPod touch", "APPLE_WATCH": "Apple Watch", "APPLE_TV": "Apple TV",
	"MAC": "Mac", "APPLE_VISION_PRO": "Apple Vision Pro",
}

// updateDevice is PATCH /v1/devices/{id}: a new name, or ENABLED/DISABLED
// (devices cannot be deleted, only disabled).
func updateDevice(c *call, id string) reply {
	if errs := parseParams(c, devicesType, modeWrite); errs != nil {
		return errorReply(errs...)
	}
	st := c.s.data
	d, ok := st.devices.get(id)
	if !ok {
		return errorReply(errNoResource("devices", id))
	}
	b, bad := readBody(c, "devices", []string{"name", "status"}, nil)
	if bad != nil {
		return errorReply(bad)
	}
	if b.doc.Data.ID != id {
		b.fail(errEntity("ENTITY_ERROR.ID.INVALID", "/data/id",
			fmt.Sprintf("The id '%s' in the request body does not match the id '%s' in the path", b.doc.Data.ID, id)))
	}
	name, hasName := b.str("name", false, nil)
	status, hasStatus := b.str("status", false, deviceStatuses)
	if hasName && name == "" {
		b.fail(errEntity("ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/name", "A device's name must not be empty"))
	}
	if rep, ok := b.reply(); !ok {
		return rep
	}
	if hasName {
		d.name = name
	}
	if hasStatus {
		d.status = status
	}
	st.devices.invalidateSorted()
	return written(c, devicesType, d, http.StatusOK)
}
