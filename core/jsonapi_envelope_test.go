package core

import (
	"encoding/json"
	"reflect"
	"testing"
)

// envelopeSeeds are documents whose links and paging pageEnvelope must read
// exactly as encoding/json reads them into listDocument.
var envelopeSeeds = []string{
	`{"data":[],"links":{"self":"https://x/v1/profiles","next":"https://x/v1/profiles?cursor=Mg"},"meta":{"paging":{"total":450,"limit":200}}}`,
	`{"links":{"next":"first"},"data":[{"links":{"next":"nested"}}],"meta":{"paging":{"total":1}}}`,
	`{"data":[{"type":"profiles","id":"1","attributes":{"name":"a \"links\": {\"next\": \"no\"} }, ["}}],"links":{"self":"s"}}`,
	`{"data":[],"links":{"next":"one"},"links":{"next":"two"}}`,
	`{"data":[],"LINKS":{"next":"upper case"},"Meta":{"paging":{"total":3}}}`,
	`{"data":[],"li\u006eks":{"next":"escaped key"}}`,
	` { "data" : [ ] , "links" : { "next" : "spaces" } , "meta" : null } `,
	`{"data":[],"links":null}`,
	`{"data":[],"links":{"next":"https://x/v1/certificates?cursor=\u0041\\"}}`,
	`{"links":{"next":"last member"}}`,
	`{}`,
	`[]`,
	`[{"links":{"next":"in an array"}}]`,
	`"links"`,
	`null`,
	`{"data":[],"links":5}`,
	`{"data":[],"meta":"no"}`,
	`{"data":[],"links":{"next":"cut`,
	`{"data":[],"links":{"next":"x"}} trailing`,
	``,
}

// checkEnvelope compares what pageEnvelope reads from body with what
// encoding/json reads: the same links and paging, and an error for the
// same bodies.
func checkEnvelope(t *testing.T, body string) {
	t.Helper()
	var want struct {
		Links struct {
			Self string `json:"self"`
			Next string `json:"next"`
		} `json:"links"`
		Meta *pagingMeta `json:"meta"`
	}
	wantErr := json.Unmarshal([]byte(body), &want)
	var env pageEnvelope
	gotErr := env.decodeBody([]byte(body))
	if _, isObject := decodeAny(body).(map[string]any); !isObject && wantErr != nil && gotErr == nil {
		// encoding/json refuses a valid document that is not an object
		// at once; pageEnvelope leaves that to decode, which refuses it
		// the same way.
		var doc listDocument[Profile]
		if env.decode(&doc) == nil {
			t.Fatalf("%q: decode accepted what encoding/json refuses (%v)", body, wantErr)
		}
		return
	}
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("%q: pageEnvelope error %v, encoding/json error %v", body, gotErr, wantErr)
	}
	if gotErr != nil {
		return
	}
	if env.Links != want.Links || !reflect.DeepEqual(env.Meta, want.Meta) {
		t.Fatalf("%q: pageEnvelope read links %+v meta %+v, encoding/json %+v %+v", body, env.Links, env.Meta, want.Links, want.Meta)
	}
}

func decodeAny(body string) any {
	var v any
	_ = json.Unmarshal([]byte(body), &v)
	return v
}

func TestPageEnvelopeReadsAsEncodingJSON(t *testing.T) {
	for _, body := range envelopeSeeds {
		checkEnvelope(t, body)
	}
}

// FuzzPageEnvelope checks pageEnvelope against encoding/json on any input.
func FuzzPageEnvelope(f *testing.F) {
	for _, s := range envelopeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		checkEnvelope(t, body)
	})
}
