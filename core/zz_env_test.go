package core

import (
	"encoding/json"
	"os"
	"testing"
)

func BenchmarkZZDecode(b *testing.B) {
	body, err := os.ReadFile("/tmp/page.json")
	if err != nil {
		b.Skip()
	}
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			var d listDocument[Profile]
			json.Unmarshal(body, &d)
			idx := indexIncluded(d.Included)
			for i := range d.Data {
				profileFromResource(&d.Data[i], idx)
			}
		}
	})
	b.Run("unmarshal-only", func(b *testing.B) {
		for b.Loop() {
			var d listDocument[Profile]
			json.Unmarshal(body, &d)
		}
	})
	b.Run("envelope", func(b *testing.B) {
		for b.Loop() {
			var d struct {
				Data     json.RawMessage
				Included json.RawMessage
				Links    struct{ Next string }
			}
			json.Unmarshal(body, &d)
		}
	})
	b.Run("links-only", func(b *testing.B) {
		for b.Loop() {
			var d struct {
				Links struct{ Next string }
			}
			json.Unmarshal(body, &d)
		}
	})
	b.Run("valid", func(b *testing.B) {
		for b.Loop() {
			json.Valid(body)
		}
	})
}
