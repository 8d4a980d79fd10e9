package main

import (
	"fmt"
	"strings"
	"time"
)

// lists are the four lists of figure 1, as named in the metrics.
var lists = []struct{ metric, label string }{
	{"certificates", "Certificates"},
	{"profiles", "Profiles"},
	{"bundleids", "Bundle IDs"},
	{"devices", "Devices"},
}

// doc accumulates the Markdown document.
type doc struct{ strings.Builder }

func (d *doc) p(format string, args ...any) {
	fmt.Fprintf(d, format, args...)
	d.WriteString("\n\n")
}

func (d *doc) table(head []string, rows [][]string) {
	d.WriteString("| " + strings.Join(head, " | ") + " |\n|")
	for range head {
		d.WriteString("---|")
	}
	d.WriteString("\n")
	for _, r := range rows {
		d.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
	d.WriteString("\n")
}

func render(rs *results, command, loadBefore string, now time.Time) string {
	d := &doc{}
	d.p("# Benchmarks")
	d.p("Written by `%s` (scripts/bench.sh, then tools/benchreport) on %s. Do not edit by hand: run `%s` again.",
		command, now.UTC().Format("2 January 2006 at 15:04 UTC"), command)
	d.p("Every network figure runs the real client against the project's sandbox App Store Connect " +
		"(sandbox/) over real HTTP on the loopback interface, the sandbox verifying every token as Apple " +
		"does and answering each request a fixed latency after it arrived (its own work included, as a client " +
		"measures Apple's time to the first byte). For the timed figures of bench/ (1, 3, 9, 10 and the large " +
		"window of 4) the sandbox runs in a process of its own, as Apple's servers are not in ours, but on the same two cores. Bounds are " +
		"computed by the benchmarks (bench/) and reported with their results; a target marked **missed** " +
		"is not met on this run.")
	d.WriteString("## The machine\n\n")
	d.WriteString(strings.Join(machine(rs.cpuLine, loadBefore), "\n") + "\n\n")

	listing(d, rs)
	sparse(d, rs)
	downloads(d, rs)
	startup(d, rs)
	table10k(d, rs)
	tokens(d, rs)
	binarySize(d, rs)
	regenerate(d, rs)
	partitions(d, rs)
	slowLink(d, rs)
	doctor(d, rs)

	d.WriteString("## How to read and reproduce\n\n")
	d.p("`%s` runs, in order: `go test -bench` on bench/ (figures 1, 2, 3, 6, 8 to 12, and 4 with the binary built "+
		"without the race detector, inside a throwaway D-Bus session whose GNOME Keyring is unlocked with a "+
		"throwaway password, and a virtual X server), then on gui/datatable/ and gui/ (figure 5), and writes this file. "+
		"A single figure: `go test -tags migrated_fynedo -run '^$' -bench ListLargeAccount -benchtime 5x ./bench/` "+
		"(see scripts/bench.sh for the others). `go test ./bench/` checks the counts of figure 1 (requests "+
		"per list, one token) as an ordinary test, without latency.", command)
	if len(rs.missing) > 0 {
		d.p("**Missing from this run:** %s.", strings.Join(rs.missing, ", "))
	}
	return d.String()
}

func listing(d *doc, rs *results) {
	const b = "BenchmarkListLargeAccount"
	d.WriteString("## 1. Listing a large account\n\n")
	runs, _ := rs.get(b, "runs")
	d.p("5,000 profiles, 2,000 certificates, 1,000 devices and 500 bundle IDs; the sandbox answers "+
		"every request 100 ms after it arrives; the four lists are loaded side by side with one client, as the window does when a "+
		"key is opened, each run with a fresh client and fresh connections, and each list as the one chain of pages "+
		"App Store Connect's cursors make of it. Each run then lists the account again as the window does, in "+
		"partitions where they pay (figure 9), which the chain's bound does not limit. %.0f runs.", runs)
	var rows [][]string
	allPages := true
	for _, l := range lists {
		req, ok1 := rs.get(b, l.metric+"-requests")
		min, ok2 := rs.get(b, l.metric+"-min-requests")
		ok := ok1 && ok2 && req == min
		allPages = allPages && ok
		rows = append(rows, []string{
			l.label,
			rs.v(b, l.metric+"-items", intf),
			rs.v(b, l.metric+"-requests", intf),
			rs.v(b, l.metric+"-min-requests", intf),
			met(ok),
			rs.v(b, l.metric+"-bytes", bytesf),
			rs.v(b, l.metric+"-median-ms", msf),
		})
	}
	d.table([]string{"List", "Items", "Requests (most in a run)", "Bound: ceil(N/200)", "Target", "Bytes received", "Time (median)"}, rows)

	signed, ok1 := rs.get(b, "tokens-signed")
	distinct, ok2 := rs.get(b, "distinct-tokens")
	ratioMed, ok3 := rs.get(b, "ratio-median")
	ratioMax, _ := rs.get(b, "ratio-max")
	bound, _ := rs.get(b, "bound-ms")
	d.table([]string{"Figure", "Result", "Bound or target", "Target"}, [][]string{
		{"Requests", fmt.Sprintf("%s in all", sumOf(rs, b, "-requests")), "ceil(N/200) per list", met(allPages)},
		{"Bytes received", rs.v(b, "bytes-received", bytesf), "see figure 2", ""},
		{"Tokens signed (client's count / distinct tokens the sandbox saw)",
			rs.v(b, "tokens-signed", intf) + " / " + rs.v(b, "distinct-tokens", intf), "1", met(ok1 && ok2 && signed == tokensTarget && distinct == tokensTarget)},
		{"Wall time, median of the runs", rs.v(b, "wall-median-ms", msf) + " (" + rs.v(b, "ratio-median", ratio) + " the bound)",
			fmt.Sprintf("bound %s = 25 pages × 100 ms; target ≤ %.2f× (%s)", msf(bound), wallTarget, msf(bound*wallTarget)), met(ok3 && ratioMed <= wallTarget)},
		{"Wall time, slowest run", rs.v(b, "wall-max-ms", msf) + " (" + rs.v(b, "ratio-max", ratio) + " the bound); " +
			rs.v(b, "runs-within-1.15x", intf) + " of " + rs.v(b, "runs", intf) + " runs within the target",
			fmt.Sprintf("≤ %.2f×", wallTarget), met(ok3 && ratioMax <= wallTarget)},
		{"As the window lists them (partitions where they pay), median", rs.v(b, "app-wall-median-ms", msf) + " (" +
			rs.v(b, "app-ratio-median", ratio) + " the chain's bound), at most " + rs.v(b, "app-requests-most", intf) + " requests for a list",
			"figure 9", ""},
		{"Requests in flight at once (client / sandbox)", rs.v(b, "max-in-flight-client", intf) + " / " + rs.v(b, "max-in-flight-sandbox", intf),
			fmt.Sprintf("≤ %d per key", inFlightTarget), met(inFlightOK(rs, b))},
		{"CPU time of the client's process, median", rs.v(b, "cpu-median-ms", msf), "", ""},
		{"New connections in a run", rs.v(b, "new-conns", intf), "one per list", ""},
	})
	d.p("Where the time beyond the bound goes, for the profile list (the slowest): per page, from the client's "+
		"request to the first byte of the answer beyond the 100 ms (the loopback, the sandbox's scheduling, "+
		"and its work when rendering and encoding 200 profiles with their included bundle IDs, certificates "+
		"and devices, about 500 KB, outlasts the 100 ms) %s (median), and the client's time from the first "+
		"byte of a page to sending the request for the next (reading the body, checking it is well-formed "+
		"JSON, finding links.next) %s. Pages are chained by links.next, so both add up over 25 pages. The "+
		"client decodes and converts a page's items while the next page's request is under way, starting "+
		"once that request is written so that it does not hold up the request.",
		rs.v(b, "profiles-server-median-ms", msf), rs.v(b, "profiles-gap-median-ms", msf))
}

func sumOf(rs *results, b, suffix string) string {
	total := 0.0
	for _, l := range lists {
		v, ok := rs.get(b, l.metric+suffix)
		if !ok {
			return "missing"
		}
		total += v
	}
	return intf(total)
}

func inFlightOK(rs *results, b string) bool {
	c, ok1 := rs.get(b, "max-in-flight-client")
	s, ok2 := rs.get(b, "max-in-flight-sandbox")
	return ok1 && ok2 && c <= inFlightTarget && s <= inFlightTarget
}

func sparse(d *doc, rs *results) {
	const b = "BenchmarkSparseBytes"
	d.WriteString("## 2. Bytes: sparse fieldsets against all attributes\n\n")
	d.p("The same four lists of the large account: as the client asks for them (fields[...] naming only the " +
		"attributes a list shows), against the same requests without any fields[...] parameter, which makes " +
		"App Store Connect send every attribute, certificateContent and profileContent included. Both follow " +
		"links.next to the end; the full listing uses plain HTTP with a token signed by core.SignToken for an " +
		"Admin key (Apple refuses Developer keys a default fieldset that carries distribution content).")
	var rows [][]string
	for _, l := range lists {
		rows = append(rows, []string{l.label, rs.v(b, l.metric+"-sparse-bytes", bytesf), rs.v(b, l.metric+"-full-bytes", bytesf),
			rs.v(b, l.metric+"-percent", pct)})
	}
	p, ok := rs.get(b, "percent")
	rows = append(rows, []string{"**All four**", rs.v(b, "sparse-bytes", bytesf), rs.v(b, "full-bytes", bytesf),
		fmt.Sprintf("%s (target ≤ %.0f %%: %s)", rs.v(b, "percent", pct), bytesTarget, met(ok && p <= bytesTarget))})
	d.table([]string{"List", "Sparse (ours)", "All attributes", "Sparse / all"}, rows)
	d.p("Devices and bundle IDs have no large attribute: a device list names all seven of its attributes, so "+
		"sparse fields cannot save anything there (the few bytes more are the fields parameter repeated in "+
		"each page's links). The profile list keeps its include of bundle IDs, certificates and devices in "+
		"both; without the include, the all-attributes profile list weighs %s, so ours is %s of it.",
		rs.v(b, "profiles-full-noinclude-bytes", bytesf), rs.v(b, "profiles-noinclude-percent", pct))
}

func downloads(d *doc, rs *results) {
	d.WriteString("## 3. Downloading 200 certificates and 200 profiles, and every profile of a large account\n\n")
	d.p("DownloadMany into an empty folder at 100 ms a request. It asks for the content of up to 200 items " +
		"of a type with one request (the list endpoint with filter[id] and the content in its sparse " +
		"fieldset), then checks each item and writes it as a synced file. So n items of a type take " +
		"ceil(n/200) requests, where one request per item took n. The sandbox makes every item's signed " +
		"content before the timing, as Apple has it ready.")
	const both = "BenchmarkDownload/both"
	req, ok1 := rs.get(both, "requests")
	want, ok2 := rs.get(both, "requests-bound")
	items, _ := rs.get(both, "items")
	d.table([]string{"Figure", "Result", "Bound", "Target"}, [][]string{{
		fmt.Sprintf("Requests for N = %s downloads (200 certificates + 200 profiles)", intf(items)),
		rs.v(both, "requests", intf) + " (one request per item made " + intf(items) + ")",
		rs.v(both, "requests-bound", intf) + " = ceil(N/200) per type",
		met(ok1 && ok2 && req <= want),
	}})
	d.p("The wall time's bound follows from the requests: they run side by side, at most MaxInFlight = 4 per " +
		"key (Apple throttles bursts), so they take ceil(requests / 4) round trips of 100 ms; add the transfer " +
		"of the answers, which one request carrying 200 items makes large enough to count (some MB of base64 " +
		"for 200 profiles): the longest time an answer took from its headers to the end of its body, as the " +
		"client measured it, median over the runs. The bound is no longer ceil(n / 4) × 100 ms, as each " +
		"request carries up to 200 items. What a run takes beyond it is the client's own work on the items: " +
		"decoding, checking each certificate or signed profile, writing and syncing each file, which no " +
		"longer overlaps other items' round trips. The issue sets no ratio for downloads.")
	var rows [][]string
	for _, set := range []struct{ name, label string }{{"certificates", "200 certificates"}, {"profiles", "200 profiles"}, {"both", "Both together (400)"}} {
		b := "BenchmarkDownload/" + set.name
		rows = append(rows, []string{
			set.label,
			rs.v(b, "requests", intf) + " (bound " + rs.v(b, "requests-bound", intf) + ")",
			rs.v(b, "round-trips", intf) + " × 100 ms + " + rs.v(b, "transfer-ms", msf) + " = " + rs.v(b, "bound-ms", msf),
			rs.v(b, "wall-median-ms", msf) + " (" + rs.v(b, "ratio-median", ratio) + ")",
			rs.v(b, "wall-max-ms", msf) + " (" + rs.v(b, "ratio-max", ratio) + ")",
			rs.v(b, "max-in-flight-client", intf) + " / " + rs.v(b, "max-in-flight-sandbox", intf) + " — " + met(inFlightOK(rs, b)),
			rs.v(b, "tokens-signed", intf),
		})
	}
	runs, _ := rs.get(both, "runs")
	d.table([]string{"Set", "Requests", "Bound: round trips + transfer", "Wall, median (× bound)", "Wall, slowest (× bound)",
		"In flight at once, client / sandbox (≤ 4)", "Tokens signed"}, rows)
	d.p("%.0f runs each. The client's in-flight count runs from sending a request to closing its body; the "+
		"sandbox's from the request's arrival to its answer.", runs)
	downloadAll(d, rs)
}

// downloadAll is figure 3's `profiles download --all` on the large account.
func downloadAll(d *doc, rs *results) {
	const b = "BenchmarkDownloadAllProfiles"
	req, ok1 := rs.get(b, "requests")
	want, ok2 := rs.get(b, "requests-bound")
	d.p("`profiles download --all` on the 5,000-profile account, as the command does it: the profile list (in "+
		"partitions, figure 9: %s requests), then DownloadMany of every profile into an empty folder. Bound: the "+
		"fewest round trips the list's and the downloads' requests take at 4 in flight, plus the longest transfer "+
		"of an answer. What a run takes beyond it is the client's work on 5,000 signed profiles (checking each "+
		"signature, writing and syncing each file).", rs.v(b, "list-requests", intf))
	d.table([]string{"Figure", "Result", "Bound", "Target"}, [][]string{
		{"Download requests for N = " + rs.v(b, "items", intf) + " profiles", rs.v(b, "requests", intf),
			rs.v(b, "requests-bound", intf) + " = ceil(N/200)", met(ok1 && ok2 && req <= want)},
		{"Wall time, list and downloads, median (× bound)", rs.v(b, "wall-median-ms", msf) + " (" + rs.v(b, "ratio-median", ratio) + ")",
			rs.v(b, "round-trips", intf) + " round trips × 100 ms + " + rs.v(b, "transfer-ms", msf) + " = " + rs.v(b, "bound-ms", msf), ""},
	})
}

func startup(d *doc, rs *results) {
	d.WriteString("## 4. Start-up and peak memory\n\n")
	d.p("The real binary, built without the race detector, with a throwaway HOME, config folder and keychain " +
		"service. The window runs under Xvfb (1280×800) with Mesa's software renderer; \"shown\" is when a " +
		"viewable top-level window with the app's title exists, \"first frame\" when that window first shows " +
		"more than one colour (both polled every 2 ms through Xlib, on a black root window). That first frame " +
		"shows the keys panel with its Add New button; the vault's content (the empty state, or the demo's " +
		"lists) follows as it loads. Issue 20's targets: the first frame within 500 ms (median) with an empty vault and " +
		"with 20 keys, `asckeys keys list` with 20 keys within 50 ms and `asckeys --version` within 20 ms.")
	d.p("Peak memory is the peak resident set: for the window, VmHWM of the running process one second after "+
		"its first frame; for a command, getrusage's maximum when it has exited. Go starts a child with vfork, "+
		"and Linux counts the parent's resident memory into the child's maximum, so commands are started by a "+
		"small runner (the benchmark program started afresh) whose own weight, %s, is the least a command's "+
		"peak can read.", rs.v("BenchmarkStartupCLI/version", "runner-floor-KiB", kibAsMiB))
	var rows [][]string
	for _, w := range []struct{ name, label, target string }{
		{"empty", "Window, empty vault", "≤ 500 ms"},
		{"keys-20", "Window, 20 keys", "≤ 500 ms"},
		{"demo", "`asckeys demo` window (in-process sandbox)", ""},
	} {
		b := "BenchmarkStartupWindow/" + w.name
		target := w.target
		if target != "" {
			frame, ok := rs.get(b, "frame-median-ms")
			target += ": " + met(ok && frame <= firstFrameTarget)
		}
		rows = append(rows, []string{w.label,
			rs.v(b, "shown-median-ms", msf) + " / " + rs.v(b, "shown-max-ms", msf),
			rs.v(b, "frame-median-ms", msf) + " / " + rs.v(b, "frame-max-ms", msf), target,
			rs.v(b, "maxrss-KiB", kibAsMiB), rs.v(b, "runs", intf)})
	}
	d.table([]string{"Process", "Shown (median / slowest)", "First frame (median / slowest)", "First frame, median: target", "Peak memory", "Runs"}, rows)
	rows = nil
	for _, c := range []struct {
		name, label string
		target      float64
	}{
		{"version", "`asckeys --version` (bare start)", versionTarget},
		{"keys-list-empty", "`asckeys keys list`, empty vault", 0},
		{"keys-list-20", "`asckeys keys list`, 20 keys (the keychain's last answer, with its age)", keysListTarget},
		{"keys-list-20-check", "`asckeys keys list --check`, 20 keys (each private key read from GNOME Keyring)", 0},
	} {
		b := "BenchmarkStartupCLI/" + c.name
		target := ""
		if c.target > 0 {
			wall, ok := rs.get(b, "wall-median-ms")
			target = fmt.Sprintf("≤ %.0f ms: %s", c.target, met(ok && wall <= c.target))
		}
		rows = append(rows, []string{c.label, rs.v(b, "wall-median-ms", msf) + " / " + rs.v(b, "wall-max-ms", msf), target,
			rs.v(b, "maxrss-KiB", kibAsMiB), rs.v(b, "runs", intf)})
	}
	d.table([]string{"Command", "Wall time, start to exit (median / slowest)", "Median: target", "Peak memory", "Runs"}, rows)
	d.p("`keys list` reads no private key unless asked: storage keeps what the keychain last said of each key " +
		"(when the key was stored, at each `--check`, when the window starts) and the list says how old that is; " +
		"`--check` asks the keychain for each key, one round trip to GNOME Keyring over D-Bus each.")

	const w = "BenchmarkWindowLargeAccount"
	peak, ok := rs.get(w, "maxrss-KiB")
	d.p("A large account in the window: the real binary opens a key of the large account of figure 1 (5,000 "+
		"profiles, 2,000 certificates, 1,000 devices, 500 bundle IDs), no list cached, served by a sandbox process "+
		"at 100 ms a request; once the sandbox has answered every list (%s requests) and been idle for a second, and a "+
		"second more has passed, the process's resident memory is read. %s runs.", rs.v(w, "requests", intf), rs.v(w, "runs", intf))
	d.table([]string{"Figure", "Result", "Target"}, [][]string{
		{"Peak resident memory (VmHWM), median", rs.v(w, "maxrss-KiB", kibAsMiB), fmt.Sprintf("< %d MiB: %s", largeWindowMiB, met(ok && peak < largeWindowMiB*1024))},
		{"Resident memory once loaded (VmRSS), median", rs.v(w, "rss-KiB", kibAsMiB), ""},
		{"From start to the four lists loaded, median", rs.v(w, "loaded-median-ms", msf), ""},
	})
}

// The start-up targets of issue 20.
const (
	firstFrameTarget = 500.0 // ms, median, under Xvfb
	keysListTarget   = 50.0  // ms, median, 20 keys
	versionTarget    = 20.0  // ms, median
	largeWindowMiB   = 250   // peak resident memory of the window on the large account
	firstRowsSlack   = 50.0  // ms beyond one round trip for the first rows
)

// firstRows is figure 5's first rows of an uncached 5,000-profile tab.
func firstRows(d *doc, rs *results) {
	const b = "BenchmarkFirstRows"
	first, ok := rs.get(b, "first-rows-median-ms")
	bound, ok2 := rs.get(b, "bound-ms")
	d.p("First rows of a list never fetched (gui/firstrows_bench_test.go): a window of Fyne's test driver opens a "+
		"key of 5,000 profiles, 200 certificates, 300 devices and 100 bundle IDs, none cached, against an in-process "+
		"sandbox at 100 ms a request; the time is from the profile tab starting to load to its table holding the "+
		"first page's rows (each page's rows stream into the table as they arrive, sorted and filtered with the "+
		"others, the status saying \"Loading 200 of 5,000 profiles…\"), the four lists loading side by side. %s runs.",
		rs.v(b, "runs", intf))
	d.table([]string{"Figure", "Result", "Bound", "Target"}, [][]string{
		{"First rows on screen, median (slowest)", rs.v(b, "first-rows-median-ms", msf) + " (" + rs.v(b, "first-rows-max-ms", msf) + "), " +
			rs.v(b, "first-rows", intf) + " rows", fmt.Sprintf("1 round trip + %.0f ms = %s", firstRowsSlack, rs.v(b, "bound-ms", msf)),
			met(ok && ok2 && first <= bound)},
		{"All 5,000 on screen, median", rs.v(b, "all-rows-median-ms", msf), "", ""},
	})
}

func table10k(d *doc, rs *results) {
	d.WriteString("## 5. A table of 10,000 rows, and the first rows of a long list\n\n")
	d.p("gui/datatable's own benchmarks (gui/datatable/bench_test.go): a table of 10,000 profiles with 8 "+
		"columns, in a 1280×800 window of Fyne's test driver (\"window\": the table's work plus Fyne laying "+
		"out the visible cells) and without a window (the table's own work). The issue sets no number; the "+
		"times are shown against one frame at 60 Hz (%.1f ms) for reference.", frameBudget)
	var rows [][]string
	for _, setup := range []string{"window", "no-window"} {
		for _, k := range []struct{ name, label string }{
			{"first-char", "Filter: first character (all rows searched)"},
			{"next-char", "Filter: next character (shown rows searched)"},
			{"backspace", "Filter: backspace (all rows searched)"},
		} {
			b := "BenchmarkFilterKeystroke10k/" + setup + "/" + k.name
			rows = append(rows, row10k(rs, b, setup, k.label+", "+rs.v(b, "rows-shown", intf)+" rows shown"))
		}
		for _, k := range []struct{ name, label string }{{"text", "Sort by a text column"}, {"sort-func", "Sort by a date column (Sort function)"}} {
			b := "BenchmarkSort10k/" + setup + "/" + k.name
			rows = append(rows, row10k(rs, b, setup, k.label))
		}
	}
	d.table([]string{"Setup", "Action", "Time per action", "Within a frame", "Allocated per action"}, rows)
	const b = "BenchmarkSetRows10k"
	d.p("Memory held: handing the 10,000 rows to a shown table takes %s and leaves %s more live heap than the "+
		"same window showing one row, of which %s is the table's per-row data (texts, search text, tones, keys, "+
		"order) and the rest the widgets of the visible cells. The rows themselves are the caller's and not counted.",
		rs.v(b, "ns/op", nsAsMs), rs.v(b, "heap-bytes", mib), rs.v(b, "index-bytes", mib))
	d.p("Per 1,000 rows, the table holds %s of live heap, %s of it its per-row data.",
		rs.v(b, "heap-bytes", func(x float64) string { return kib(x / 10) }), rs.v(b, "index-bytes", func(x float64) string { return kib(x / 10) }))
	firstRows(d, rs)
}

// kib writes a byte count in KiB.
func kib(x float64) string { return fmt.Sprintf("%.0f KiB", x/1024) }

func row10k(rs *results, b, setup, label string) []string {
	ns, ok := rs.get(b, "ns/op")
	within := "yes"
	if !ok || ns/1e6 > frameBudget {
		within = "**no**"
	}
	return []string{setup, label, rs.v(b, "ns/op", nsAsMs), within,
		rs.v(b, "B/op", bytesf) + " B in " + rs.v(b, "allocs/op", intf) + " allocations"}
}

func tokens(d *doc, rs *results) {
	d.WriteString("## 6. Token signing\n\n")
	const l = "BenchmarkListLargeAccount"
	signed, ok := rs.get(l, "tokens-signed")
	d.table([]string{"Figure", "Result", "Target"}, [][]string{
		{"Signing one ES256 token (core.SignToken)", rs.v("BenchmarkSignToken", "ns/op", func(x float64) string { return fmt.Sprintf("%.1f µs", x/1e3) }) +
			", " + rs.v("BenchmarkSignToken", "B/op", intf) + " B in " + rs.v("BenchmarkSignToken", "allocs/op", intf) + " allocations", ""},
		{"Every other request: the cached token (TokenSource.Token)", rs.v("BenchmarkCachedToken", "ns/op", func(x float64) string { return fmt.Sprintf("%.0f ns", x) }) +
			", " + rs.v("BenchmarkCachedToken", "allocs/op", intf) + " allocations", ""},
		{"Signatures per full listing of the large account (figure 1: 43 requests, four lists side by side)",
			rs.v(l, "tokens-signed", intf) + " (the sandbox saw " + rs.v(l, "distinct-tokens", intf) + " distinct token)", "1: " + met(ok && signed == tokensTarget)},
	})
}

// binarySizeBefore is the size of the binary (go build, no flags, linux/amd64)
// at commit f0c6d3d, the last one whose binary linked the sandbox's OpenAPI
// checker (kin-openapi, gorilla/mux) for `asckeys demo`.
const binarySizeBefore = 41251584

func binarySize(d *doc, rs *results) {
	d.WriteString("## 7. The binary\n\n")
	const b = "BenchmarkBinarySize"
	size, ok := rs.get(b, "bytes")
	linked, lok := rs.get(b, "spec-checker-packages")
	mib := func(x float64) string { return fmt.Sprintf("%.1f MiB (%.0f bytes)", x/(1<<20), x) }
	change := "missing"
	if ok {
		change = fmt.Sprintf("%+.1f MiB (%+.1f %%)", (size-binarySizeBefore)/(1<<20), 100*(size-binarySizeBefore)/binarySizeBefore)
	}
	d.p("`go build` of the app for this machine, as `make build` makes it. Before: commit f0c6d3d, whose `asckeys " +
		"demo` imported the sandbox's OpenAPI checker, so the shipped binary carried kin-openapi and gorilla/mux; " +
		"the checker now lives in sandbox/apispec, which only tests import.")
	d.table([]string{"Figure", "Result", "Target"}, [][]string{
		{"Size before (f0c6d3d)", mib(binarySizeBefore), ""},
		{"Size now", rs.v(b, "bytes", mib), ""},
		{"Change", change, ""},
		{"Packages of kin-openapi or gorilla/mux in the binary (go version -m)", rs.v(b, "spec-checker-packages", intf), "0: " + met(lok && linked == 0)},
	})
}

// regenerateTarget is issue 14's target for regenerating N profiles, as a
// multiple of ceil(N/4) × 2 round trips.
const regenerateTarget = 1.2

func regenerate(d *doc, rs *results) {
	d.WriteString("## 8. Bulk writes\n\n")
	d.p("Write-side work of many items at 100 ms a request, through actions/ as the command line and the window " +
		"call it, at most MaxInFlight = 4 requests in flight per key. `devices import` of a file of 100 new iPhones: " +
		"the device list (to skip registered ones), then one POST each, side by side (actions.ImportDevices); " +
		"bound ceil(N/4) round trips. `profiles regenerate` of 50 App Store profiles: the certificate and device " +
		"lists side by side, then per profile its definition kept in the vault before its DELETE and dropped after " +
		"its POST; bound ceil(N/4) × 2 round trips. The lists add one round trip, inside the target of 1.2× the bound. " +
		"The profiles are made and listed before the timing; each device import has a fresh sandbox.")
	var rows [][]string
	for _, step := range []struct{ b, label string }{
		{"BenchmarkRegisterDevices", "Register 100 devices (`devices import`)"},
		{"BenchmarkRegenerateProfiles", "Regenerate 50 profiles (`profiles regenerate`)"},
		{"BenchmarkDoctorFix", "Fix 40 bundle IDs with nothing (`doctor --fix --install`, figure 12)"},
	} {
		rows = append(rows, bulkRow(rs, step.b, step.label))
	}
	d.table([]string{"Step", "Bound", "Wall, median (× bound)", "Slowest (× bound)", "Runs within 1.2×",
		"In flight, client / sandbox (≤ 4)", "Target ≤ 1.2×"}, rows)
}

// bulkRow is one bulk write's row of figure 8: its round trips, times and
// in-flight counts, from the metrics every bulk benchmark reports.
func bulkRow(rs *results, b, label string) []string {
	ratioMax, ok := rs.get(b, "ratio-max")
	return []string{
		label,
		rs.v(b, "round-trips", intf) + " round trips × 100 ms = " + rs.v(b, "bound-ms", msf),
		rs.v(b, "wall-median-ms", msf) + " (" + rs.v(b, "ratio-median", ratio) + ")",
		rs.v(b, "wall-max-ms", msf) + " (" + rs.v(b, "ratio-max", ratio) + ")",
		rs.v(b, "runs-within-1.2x", intf) + " of " + rs.v(b, "runs", intf),
		rs.v(b, "max-in-flight-client", intf) + " / " + rs.v(b, "max-in-flight-sandbox", intf) + ": " + met(inFlightOK(rs, b)),
		met(ok && ratioMax <= regenerateTarget),
	}
}
