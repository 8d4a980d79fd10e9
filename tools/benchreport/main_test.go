package main

import (
	"strings"
	"testing"
	"time"
)

const sample = `goos: linux
cpu: Example CPU
BenchmarkListLargeAccount-2   	       5	2969849491 ns/op	      2500 bound-ms	    112942 bundleids-bytes	         3.000 bundleids-min-requests	         3.000 bundleids-requests	        25.00 profiles-min-requests	        26.00 profiles-requests	         1.000 tokens-signed	         1.000 distinct-tokens	         1.120 ratio-median	         1.180 ratio-max
BenchmarkSparseBytes-2   	       1	8634773839 ns/op	         7.762 percent
BenchmarkSignToken-2     	   34034	     34408 ns/op	    8656 B/op	      89 allocs/op
BenchmarkDownload/both-2 	       2	 387511411 ns/op	       104.1 bound-ms	       400.0 items	         2.000 requests	         2.000 requests-bound	         1.000 round-trips	         4.100 transfer-ms	         3.000 runs
BenchmarkRegenerateProfiles-2 	       1	2144888998 ns/op	      2000 bound-ms	         4.000 max-in-flight-allowed	         4.000 max-in-flight-client	         4.000 max-in-flight-sandbox	        40.00 profiles	         1.072 ratio-max	         1.072 ratio-median	        20.00 round-trips	         1.000 runs	         1.000 runs-within-1.15x	         1.000 runs-within-1.2x	      2145 wall-max-ms	      2145 wall-median-ms
PASS
`

func TestParseAndTargets(t *testing.T) {
	rs := &results{byName: map[string]result{}}
	if err := parse(strings.NewReader(sample), rs); err != nil {
		t.Fatal(err)
	}
	if rs.cpuLine != "Example CPU" {
		t.Errorf("cpu line %q", rs.cpuLine)
	}
	if v, ok := rs.get("BenchmarkSignToken", "allocs/op"); !ok || v != 89 {
		t.Errorf("allocs/op = %v, %v; the -2 suffix must go and the pairs be read", v, ok)
	}
	doc := render(rs, "make bench", "0.1 0.2 0.3", time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC))
	for _, want := range []string{
		"| Profiles | missing | 26 | 25 | **missed** |", // one request too many
		"| Bundle IDs | missing | 3 | 3 | met |",
		"(1.120× the bound) | bound 2500 ms = 25 pages × 100 ms; target ≤ 1.15× (2875 ms) | met |",
		"(1.180× the bound); missing of missing runs within the target | ≤ 1.15× | **missed** |",
		"7.8 % (target ≤ 10 %: met)",
		"34.4 µs, 8,656 B in 89 allocations", // 34408 ns/op
		"| Requests for N = 400 downloads (200 certificates + 200 profiles) | 2 (one request per item made 400) | 2 = ceil(N/200) per type | met |",
		"| Both together (400) | 2 (bound 2) | 1 × 100 ms + 4.10 ms = 104 ms |",
		"| Regenerate 50 profiles (`profiles regenerate`) | 20 round trips × 100 ms = 2000 ms | 2145 ms (1.072×) | 2145 ms (1.072×) | 1 of 1 | 4 / 4: met | met |",
		"**Missing from this run:**",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the document lacks %q", want)
		}
	}
	if len(rs.missing) == 0 {
		t.Error("nothing reported missing, though most figures are")
	}
}
