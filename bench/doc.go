// Package bench holds the benchmarks behind docs/BENCHMARKS.md: a large
// account listed and downloaded from the sandbox App Store Connect at a fixed
// latency, the bytes sparse fieldsets save, token signing, and the start-up
// of the real binary. scripts/bench.sh runs them and tools/benchreport turns
// their output into the document.
//
// The benchmarks report counts (requests, bytes, tokens) and timings through
// testing.B.ReportMetric; the bounds they are compared with are reported as
// metrics too, so the document never recomputes them.
package bench
