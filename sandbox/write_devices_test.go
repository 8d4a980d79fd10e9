package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestRegisterDevicesInEveryUDIDForm(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 40, Devices: -1})
	for _, tc := range []struct{ udid, platform, class string }{
		{strings.Repeat("a1", 20), "IOS", "IPHONE"},
		{"00008030-001A35E11A88003A", "IOS", "IPHONE"},
		{"00008103-000A1B2C3D4E5F60", "MAC_OS", "MAC"},
		{"A1B2C3D4-E5F6-4A5B-8C7D-0E1F2A3B4C5D", "MAC_OS", "MAC"},
	} {
		res := c.write(http.MethodPost, "/v1/devices", deviceRequest("Jane’s device", tc.udid, tc.platform))
		if res.status != http.StatusCreated {
			t.Errorf("%s: %d %s", tc.udid, res.status, res.body)
			continue
		}
		r := res.doc(t).one(t)
		if r.str("udid") != tc.udid || r.str("status") != "ENABLED" || r.str("platform") != tc.platform || r.str("deviceClass") != tc.class || r.str("addedDate") == "" {
			t.Errorf("%s: answered %v", tc.udid, r.Attributes)
		}
		if got := c.get("/v1/devices?filter[udid]=" + tc.udid).doc(t).list(t); len(got) != 1 || got[0].ID != r.ID {
			t.Errorf("%s: not listed", tc.udid)
		}
	}
	if n := len(srv.Devices()); n != 4 {
		t.Errorf("%d devices, want 4", n)
	}
}

func TestRegisterDeviceRefusals(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 41})
	existing := srv.Devices()[0]
	const invalid = "ENTITY_ERROR.ATTRIBUTE.INVALID"
	for _, tc := range []struct{ what, udid, platform string }{
		{"39 hex digits", strings.Repeat("a", 39), "IOS"},
		{"41 hex digits", strings.Repeat("a", 41), "IOS"},
		{"not hex", strings.Repeat("g", 40), "IOS"},
		{"8+15", "00008030-001A35E11A88003", "IOS"},
		{"a UUID for an iPhone", "A1B2C3D4-E5F6-4A5B-8C7D-0E1F2A3B4C5D", "IOS"},
	} {
		res := c.write(http.MethodPost, "/v1/devices", deviceRequest("x", tc.udid, tc.platform))
		wantError(t, tc.what, res, http.StatusConflict, invalid, "An invalid value '"+tc.udid+"' was provided for the attribute 'udid'")
	}
	// A duplicate, in other case: the answer names the UDID sent, nothing of
	// the device that has it.
	dup := strings.ToLower(existing.UDID)
	if dup == existing.UDID {
		dup = strings.ToUpper(existing.UDID)
	}
	res := c.write(http.MethodPost, "/v1/devices", deviceRequest("Copy", dup, existing.Platform))
	wantError(t, "a duplicate", res, http.StatusConflict, invalid, fmt.Sprintf("A device with number '%s' already exists on this team.", dup))
	if strings.Contains(string(res.body), existing.ID) || strings.Contains(string(res.body), existing.Name) {
		t.Errorf("the refusal names the existing device: %s", res.body)
	}
	wantError(t, "platform UNIVERSAL", c.write(http.MethodPost, "/v1/devices", deviceRequest("x", strings.Repeat("b", 40), "UNIVERSAL")),
		http.StatusConflict, invalid, "'UNIVERSAL' is not a valid value for the attribute 'platform'")
	wantError(t, "no name", c.write(http.MethodPost, "/v1/devices", deviceRequest("", strings.Repeat("b", 40), "IOS")),
		http.StatusConflict, "ENTITY_ERROR.ATTRIBUTE.REQUIRED", "You must provide a value for the attribute 'name' with this request")
	wantError(t, "an attribute the request does not take",
		c.write(http.MethodPost, "/v1/devices", obj{"data": obj{"type": "devices", "attributes": obj{
			"name": "x", "udid": strings.Repeat("b", 40), "platform": "IOS", "status": "DISABLED"}}}),
		http.StatusConflict, "ENTITY_ERROR.ATTRIBUTE.UNKNOWN", "'/data/attributes/status' is not a member this request takes")
	wantError(t, "the wrong type", c.write(http.MethodPost, "/v1/devices", obj{"data": obj{"type": "device", "attributes": obj{}}}),
		http.StatusConflict, invalid, "The resource type 'device' is not valid here: expected 'devices'")
	if res := c.do(http.MethodDelete, "/v1/devices/"+existing.ID); res.status != http.StatusMethodNotAllowed {
		t.Errorf("DELETE a device: %d, want 405 (devices can only be disabled)", res.status)
	}
}

// TestDeviceSlotsPerProductFamily: 100 iPhones fill the iPhone family;
// disabling one frees nothing, and Macs have their own 100.
func TestDeviceSlotsPerProductFamily(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 42, Devices: -1})
	for i := range 100 {
		if res := c.write(http.MethodPost, "/v1/devices", deviceRequest(fmt.Sprint("Phone ", i), fmt.Sprintf("00008030-%016X", i), "IOS")); res.status != http.StatusCreated {
			t.Fatalf("device %d: %d %s", i, res.status, res.body)
		}
	}
	first := srv.DeviceIDs()[0]
	if res := c.write(http.MethodPatch, "/v1/devices/"+first, obj{"data": obj{"type": "devices", "id": first, "attributes": obj{"status": "DISABLED"}}}); res.status != http.StatusOK {
		t.Fatalf("disabling: %d %s", res.status, res.body)
	}
	wantError(t, "the 101st iPhone", c.write(http.MethodPost, "/v1/devices", deviceRequest("One too many", fmt.Sprintf("00008030-%016X", 100), "IOS")),
		http.StatusConflict, "ENTITY_ERROR.ATTRIBUTE.INVALID", "You have registered the maximum of 100 iPhone devices for this membership year")
	if res := c.write(http.MethodPost, "/v1/devices", deviceRequest("A Mac", fmt.Sprintf("00008103-%016X", 1), "MAC_OS")); res.status != http.StatusCreated {
		t.Errorf("a Mac after 100 iPhones: %d %s", res.status, res.body)
	}
}

func TestUpdateDevice(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 43})
	d := srv.Devices()[0]
	patch := func(id string, attrs obj) response {
		return c.write(http.MethodPatch, "/v1/devices/"+d.ID, obj{"data": obj{"type": "devices", "id": id, "attributes": attrs}})
	}
	res := patch(d.ID, obj{"name": "Renamed", "status": "DISABLED"})
	if res.status != http.StatusOK {
		t.Fatalf("PATCH: %d %s", res.status, res.body)
	}
	if r := res.doc(t).one(t); r.str("name") != "Renamed" || r.str("status") != "DISABLED" || r.str("udid") != d.UDID {
		t.Errorf("answered %v", r.Attributes)
	}
	if r := c.get("/v1/devices?filter[name]=Renamed&filter[status]=DISABLED").doc(t).list(t); len(r) != 1 || r[0].ID != d.ID {
		t.Errorf("the list does not show the change: %d", len(r))
	}
	if r := c.get("/v1/devices?sort=name&limit=1").doc(t).list(t); len(r) != 1 {
		t.Error("sorted list empty")
	}
	if res := patch(d.ID, obj{"status": "ENABLED"}); res.status != http.StatusOK || res.doc(t).one(t).str("name") != "Renamed" {
		t.Errorf("a PATCH of the status alone: %d %s", res.status, res.body)
	}
	wantError(t, "another id in the body", patch("OTHER", obj{"name": "x"}), http.StatusConflict, "ENTITY_ERROR.ID.INVALID",
		"The id 'OTHER' in the request body does not match the id '"+d.ID+"' in the path")
	wantError(t, "a bad status", patch(d.ID, obj{"status": "LOST"}), http.StatusConflict, "ENTITY_ERROR.ATTRIBUTE.INVALID",
		"'LOST' is not a valid value for the attribute 'status'")
	wantError(t, "changing the UDID", patch(d.ID, obj{"udid": strings.Repeat("c", 40)}), http.StatusConflict, "ENTITY_ERROR.ATTRIBUTE.UNKNOWN",
		"'/data/attributes/udid' is not a member this request takes")
	if res := c.write(http.MethodPatch, "/v1/devices/NOSUCHDEV", obj{"data": obj{"type": "devices", "id": "NOSUCHDEV"}}); res.status != http.StatusNotFound {
		t.Errorf("PATCH an unknown device: %d", res.status)
	}
}
