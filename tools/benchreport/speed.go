package main

import "fmt"

// The targets of issue 20.
const (
	// partitionTarget is the most, as a share of the chain's time, that the
	// partitioned profile list may take.
	partitionTarget = 0.5
	// slowLinkTarget is how far above its bound the listing over a slow
	// link may take.
	slowLinkTarget = 1.2
)

func partitions(d *doc, rs *results) {
	const b = "BenchmarkPartitionedProfiles"
	d.WriteString("## 9. Beyond the chain: a list fetched in partitions\n\n")
	d.p("Cursor paging makes a list a chain of round trips: each page names the next. Profiles, certificates and " +
		"devices can be filtered by an enumerated attribute (profileType, certificateType, platform), so a list " +
		"longer than a few pages is fetched as one chain per value side by side, within MaxInFlight = 4 " +
		"(core/partition.go): the unfiltered first page first (its meta.paging.total is the list's total, its " +
		"items a sample of the values present), then the partitions of the values in the sample, largest first; " +
		"the enum's other values only if the partitions' totals fall short. The partitions must add up to the " +
		"total, each hold what its total said and only its value, and share no item; on any mismatch (a type the " +
		"enum does not know, totals that disagree) the list goes on as the chain from the first page, which was " +
		"kept for it. Either way the items come back in id order. Here: 5,000 profiles over six types at 100 ms " +
		"a request, each way with a fresh client.")
	ratioMed, ok := rs.get(b, "ratio-median")
	same, ok2 := rs.get(b, "identical-ids")
	d.table([]string{"Figure", "Result", "Bound or target", "Target"}, [][]string{
		{"The chain (one page after another), median", rs.v(b, "sequential-median-ms", msf) + " in " +
			rs.v(b, "sequential-requests", intf) + " requests", "bound " + rs.v(b, "chain-bound-ms", msf) + " = 25 pages × 100 ms", ""},
		{"In partitions by type, median (slowest)", rs.v(b, "partitioned-median-ms", msf) + " (" + rs.v(b, "partitioned-max-ms", msf) +
			") in " + rs.v(b, "partitioned-requests", intf) + " requests", "", ""},
		{"Partitions / chain, median", rs.v(b, "ratio-median", ratio), fmt.Sprintf("≤ %.1f×", partitionTarget),
			met(ok && ratioMed <= partitionTarget)},
		{"Same ids, in the same order, every run", map[bool]string{true: "yes", false: "no"}[ok2 && same == 1], "identical", met(ok2 && same == 1)},
		{"In flight at once, client / sandbox", rs.v(b, "max-in-flight-client", intf) + " / " + rs.v(b, "max-in-flight-sandbox", intf),
			fmt.Sprintf("≤ %d per key", inFlightTarget), met(inFlightOK(rs, b))},
	})
	d.p("The fallback is a test, not a timing: core's TestPartitionedListFallsBackForAnUnknownType seeds a " +
		"profile type the enum lacks (MAC_APP_INHOUSE, which the live API has) and checks the list is the " +
		"chain's; TestPartitionedListIsTheSequentialList checks the partitions' ids against the chain's and each " +
		"request against Apple's spec.")
}

func slowLink(d *doc, rs *results) {
	const b = "BenchmarkSlowLink"
	d.WriteString("## 10. A slow link: 10 Mbit/s and 100 ms, answers in gzip\n\n")
	d.p("The large account of figure 1 over a link of 10 Mbit/s (the sandbox paces its answers on one link "+
		"shared by all connections, sandbox.Config.Bandwidth) with 100 ms a request. The client asks for gzip "+
		"(Accept-Encoding) and the sandbox, as Apple, sends it; \"on the wire\" is what crossed the link, "+
		"\"JSON\" the same answers decoded. The profile list as one chain: its bound is its pages' round trips "+
		"plus its bytes on the wire at 10 Mbit/s, as each page's transfer follows its round trip and the next "+
		"request waits for both. The four lists as the window loads them (partitions where they pay): the fewest "+
		"round trips their requests take at 4 in flight, plus all their bytes at 10 Mbit/s. %s runs.",
		rs.v(b, "chain-runs", intf))
	chainMed, ok1 := rs.get(b, "chain-ratio-median")
	appMed, ok2 := rs.get(b, "app-ratio-median")
	d.table([]string{"Listing", "On the wire", "JSON", "Bound", "Wall, median (× bound)", "Slowest (× bound)", "Target ≤ 1.2×"}, [][]string{
		{"Profiles, one chain of " + rs.v(b, "chain-pages", intf) + " pages", rs.v(b, "chain-wire-bytes", bytesf),
			rs.v(b, "chain-plain-bytes", bytesf), rs.v(b, "chain-bound-ms", msf),
			rs.v(b, "chain-wall-median-ms", msf) + " (" + rs.v(b, "chain-ratio-median", ratio) + ")",
			rs.v(b, "chain-wall-max-ms", msf) + " (" + rs.v(b, "chain-ratio-max", ratio) + ")", met(ok1 && chainMed <= slowLinkTarget)},
		{"All four lists, as the window loads them (" + rs.v(b, "app-requests", intf) + " requests)", rs.v(b, "app-wire-bytes", bytesf),
			rs.v(b, "app-plain-bytes", bytesf), rs.v(b, "app-bound-ms", msf),
			rs.v(b, "app-wall-median-ms", msf) + " (" + rs.v(b, "app-ratio-median", ratio) + ")",
			rs.v(b, "app-wall-max-ms", msf) + " (" + rs.v(b, "app-ratio-max", ratio) + ")", met(ok2 && appMed <= slowLinkTarget)},
	})
	d.p("Uncompressed, the profile list alone would take %s of transfer at 10 Mbit/s.",
		rs.v(b, "chain-plain-bytes", func(x float64) string { return msf(x * 8 / slowLinkBits * 1000) }))
}

// slowLinkBits is figure 10's link speed in bits per second.
const slowLinkBits = 10_000_000
