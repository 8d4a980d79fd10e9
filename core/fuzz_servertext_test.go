package core

import (
	"testing"
	"time"
)

// FuzzServerText puts arbitrary text (any bytes, invalid UTF-8 and controls
// included) into every string App Store Connect sends: the attributes and ids
// of a list page of each resource, its next link, every field of an error
// entry, a plain-text error body, and an arbitrary body under an arbitrary
// status and Content-Type. Whatever the lists and Verify return, items and
// errors alike, holds no control character, bidi override or invalid UTF-8:
// SafeText's rule holds at the source. Its seeds are in
// testdata/fuzz/FuzzServerText.
func FuzzServerText(f *testing.F) {
	f.Add(uint16(100), "Apple Distribution: Example Corp", "C1", "The request rate limit has been reached.", "text/plain", []byte("Not Acceptable"))
	f.Add(uint16(309), hostile, "P1", hostile, "text/plain; charset=utf-8", []byte(hostile))
	f.Add(uint16(229), "\u202egpj.exe", "X\x1b[2J", "\x00\x07\u0085", "application/json", []byte(`{"errors":[{"title":"\u001b]0;x\u0007"}]}`))
	creds := testCreds(f, KindTeam)
	ts := NewTokenSource(creds, time.Now)
	f.Fuzz(func(t *testing.T, rawStatus uint16, text, id, errText, contentType string, body []byte) {
		status := cannedStatus(rawStatus)
		errStatus := status
		if errStatus < 400 {
			errStatus = 400 + errStatus%200
		}
		tx, ix, ex := jsonText(text), jsonText(id), jsonText(errText)
		page := []byte(`{"data":[` +
			`{"type":"certificates","id":` + ix + `,"attributes":{"name":` + tx + `,"displayName":` + tx + `,"certificateType":` + tx +
			`,"platform":` + tx + `,"serialNumber":` + ix + `,"expirationDate":` + tx + `}},` +
			`{"type":"profiles","id":` + ix + `,"attributes":{"name":` + tx + `,"platform":` + tx + `,"profileType":` + tx +
			`,"profileState":` + tx + `,"uuid":` + ix + `,"createdDate":` + tx + `,"expirationDate":` + tx + `},` +
			`"relationships":{"bundleId":{"data":{"type":"bundleIds","id":` + ix + `}}}},` +
			`{"type":"bundleIds","id":` + ix + `,"attributes":{"name":` + tx + `,"identifier":` + tx + `,"platform":` + tx + `,"seedId":` + tx + `}},` +
			`{"type":"devices","id":` + ix + `,"attributes":{"name":` + tx + `,"udid":` + tx + `,"deviceClass":` + tx +
			`,"model":` + tx + `,"platform":` + tx + `,"status":` + tx + `,"addedDate":` + tx + `}}],` +
			`"included":[{"type":"bundleIds","id":` + ix + `,"attributes":{"identifier":` + tx + `}}],` +
			`"links":{"next":` + tx + `}}`)
		errDoc := []byte(`{"errors":[{"id":` + ex + `,"status":` + ex + `,"code":` + ex + `,"title":` + ex + `,"detail":` + ex +
			`,"source":{"pointer":` + ex + `,"parameter":` + ex + `}}]}`)
		answers := []*cannedTransport{
			{status: 200, header: cannedHeader("application/json", "", ""), body: page},
			{status: errStatus, header: cannedHeader("application/json", "", ""), body: errDoc},
			{status: 406, header: cannedHeader("text/plain", "", ""), body: []byte(errText)},
			{status: status, header: cannedHeader(contentType, "", ""), body: body},
		}
		for _, a := range answers {
			clients := func() *Client {
				ct := *a
				return fuzzClient(ts, creds, &ct)
			}
			for list, got := range allLists(clients) {
				assertSafeText(t, list, got[0])
				assertSafeText(t, list+" error", got[1])
			}
		}
	})
}
