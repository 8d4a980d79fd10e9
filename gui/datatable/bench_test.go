package datatable

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// profileRow is shaped like the Profiles tab: 8 columns, some of them
// formatted on the fly as the app's will be.
type profileRow struct {
	ID, Name, Type, Bundle, UUID string
	Certs, Devices               int
	Expires                      time.Time
}

var benchNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func profileRows(n int) []profileRow {
	types := []string{"iOS App Store", "iOS App Development", "iOS Ad Hoc", "macOS App Store", "Developer ID", "tvOS App Store"}
	rows := make([]profileRow, n)
	for i := range rows {
		rows[i] = profileRow{
			ID:      fmt.Sprintf("P%08d", i),
			Name:    fmt.Sprintf("Example App %d %s", i, types[i%len(types)]),
			Type:    types[i%len(types)],
			Bundle:  fmt.Sprintf("com.example.app%d", i),
			UUID:    fmt.Sprintf("%08x-4e5f-4a6b-8c7d-%012x", i*2654435761%(1<<32), i*40503),
			Certs:   1 + i%5,
			Devices: i * 37 % 100,
			Expires: benchNow.Add(time.Duration(i*7919%800-200) * 24 * time.Hour),
		}
	}
	return rows
}

func profileOptions() Options[profileRow] {
	return Options[profileRow]{
		Columns: []Column[profileRow]{
			{Title: "Name", Width: 260, Text: func(p profileRow) string { return p.Name }, Filterable: true},
			{Title: "Type", Text: func(p profileRow) string { return p.Type }, Filterable: true},
			{Title: "Bundle ID", Width: 200, Text: func(p profileRow) string { return p.Bundle }, Filterable: true},
			{Title: "Status", Width: 90, Text: func(p profileRow) string {
				if p.Expires.Before(benchNow) {
					return "Expired"
				}
				return "Active"
			}},
			{
				Title: "Expires",
				Text: func(p profileRow) string {
					days := int(p.Expires.Sub(benchNow).Hours() / 24)
					return p.Expires.Format("2 Jan 2006") + " (in " + strconv.Itoa(days) + " days)"
				},
				Sort: func(a, b profileRow) int { return a.Expires.Compare(b.Expires) },
			},
			{Title: "Certificates", Width: 90, Text: func(p profileRow) string { return strconv.Itoa(p.Certs) }},
			{Title: "Devices", Width: 80, Text: func(p profileRow) string { return strconv.Itoa(p.Devices) }},
			{Title: "UUID", Width: 300, Text: func(p profileRow) string { return p.UUID }, Monospace: true, Filterable: true},
		},
		Tone: func(p profileRow) Tone {
			switch d := p.Expires.Sub(benchNow); {
			case d < 0:
				return Danger
			case d < 30*24*time.Hour:
				return Warning
			}
			return Normal
		},
		Key:        func(p profileRow) string { return p.ID },
		Selectable: true,
		RowAction:  &Action[profileRow]{Label: "Download", OnTap: func(profileRow) {}},
		Plural:     "profiles",
	}
}

// showBenchTable is a table in a window the size of a laptop screen, so
// each redraw updates the cells a person would see.
func showBenchTable(b *testing.B, rows []profileRow) *Table[profileRow] {
	test.NewTempApp(b)
	tbl := New(profileOptions())
	tbl.SetRows(rows)
	w := test.NewWindow(tbl.Widget())
	w.Resize(fyne.NewSize(1280, 800))
	b.Cleanup(w.Close)
	return tbl
}

// benchSetups run each benchmark in the window, as a person sees it, and
// without one, which leaves only the table's own work: the difference is
// Fyne laying out the text of the cells on screen.
var benchSetups = []struct {
	name string
	make func(*testing.B, []profileRow) *Table[profileRow]
}{
	{"window", showBenchTable},
	{"no-window", func(b *testing.B, rows []profileRow) *Table[profileRow] {
		test.NewTempApp(b)
		tbl := New(profileOptions())
		tbl.SetRows(rows)
		return tbl
	}},
}

// BenchmarkFilterKeystroke10k times one keystroke in the search box of a
// 10,000-row table of 8 columns, the table's redraw included: the first
// character (every row is searched), a further character (only the rows
// shown are searched) and a backspace (every row is searched again).
func BenchmarkFilterKeystroke10k(b *testing.B) {
	for _, setup := range benchSetups {
		for _, k := range []struct{ name, before, after string }{
			{"first-char", "", "1"},
			{"next-char", "app 1", "app 12"},
			{"backspace", "app 12", "app 1"},
		} {
			b.Run(setup.name+"/"+k.name, func(b *testing.B) {
				tbl := setup.make(b, profileRows(10_000))
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					b.StopTimer()
					tbl.SetFilter(k.before)
					b.StartTimer()
					tbl.SetFilter(k.after)
				}
				b.StopTimer()
				b.ReportMetric(float64(len(tbl.view)), "rows-shown")
			})
		}
	}
}

// BenchmarkSort10k times a header tap on a 10,000-row table of 8 columns,
// redraw included: a column sorted by its text, and one by its Sort
// function.
func BenchmarkSort10k(b *testing.B) {
	for _, setup := range benchSetups {
		for _, c := range []struct {
			name string
			col  int
		}{{"text", 0}, {"sort-func", 4}} {
			b.Run(setup.name+"/"+c.name, func(b *testing.B) {
				tbl := setup.make(b, profileRows(10_000))
				b.ReportAllocs()
				b.ResetTimer()
				for i := range b.N {
					tbl.SortBy(c.col, i%2 == 0)
				}
			})
		}
	}
}

// BenchmarkSetRows10k times handing 10,000 fresh rows to a shown table, and
// reports the heap the table then holds beyond the rows themselves:
// heap-bytes in all, compared with the same window showing one row (so the
// fonts Fyne loads once are not counted), and index-bytes for the per-row
// data alone (texts, search text, tones, keys, order); the difference is the
// widgets of the cells that fill the screen.
func BenchmarkSetRows10k(b *testing.B) {
	rows := profileRows(10_000)
	tbl := showBenchTable(b, rows)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		tbl.SetRows(rows)
	}
	b.StopTimer()

	b.ReportMetric(heldBy(func() any {
		return showBenchTable(b, rows[:1])
	}, func(t any) { t.(*Table[profileRow]).SetRows(rows) }), "heap-bytes")
	b.ReportMetric(heldBy(func() any {
		return New(profileOptions())
	}, func(t any) { t.(*Table[profileRow]).SetRows(rows) }), "index-bytes")
}

// heldBy is the growth of the live heap when fill runs on what setup made.
func heldBy(setup func() any, fill func(any)) float64 {
	v := setup()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fill(v)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return float64(after.HeapAlloc) - float64(before.HeapAlloc)
}
