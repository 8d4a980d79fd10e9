package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// table prints aligned columns for people.
type table struct{ w *tabwriter.Writer }

func newTable(out io.Writer, headers ...string) *table {
	t := &table{w: tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)}
	t.row(headers...)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		// Text from the API or a file must neither drive the terminal nor
		// break the columns (SafeText makes it one line, tabs included).
		cells[i] = core.SafeText(c)
	}
	fmt.Fprintln(t.w, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.w.Flush() }

// writeJSON prints v as indented JSON; lists print [] rather than null.
func writeJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// safeKey is k with its text fields through core.SafeText, for printing: a
// keys.json from an older version, or edited by hand, may hold anything.
func safeKey(k storage.Key) storage.Key {
	k.Name, k.KeyID, k.IssuerID, k.LastError = core.SafeText(k.Name), core.SafeText(k.KeyID), core.SafeText(k.IssuerID), core.SafeText(k.LastError)
	return k
}
