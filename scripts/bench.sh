#!/usr/bin/env bash
# make bench: run the benchmarks of issue 7 and write docs/BENCHMARKS.md.
#
#   GO=go scripts/bench.sh
#
# 1-3, 6, 8-10: bench/ against the sandbox App Store Connect with 100 ms latency.
# 4: the real binary (built here without the race detector) under Xvfb and
#    on the command line, inside a throwaway D-Bus session whose GNOME
#    Keyring is unlocked with a throwaway password; every run of the binary
#    has a throwaway HOME, config folder and keychain service, so nothing of
#    the user's is read or touched.
# 5: gui/datatable's benchmarks (10,000 rows); gui's first rows of an
#    uncached 5,000-profile tab (Fyne's test driver).
# 7: the size of that binary, and that it links no spec checker.
# Then tools/benchreport turns the output into docs/BENCHMARKS.md; the raw
# output stays in build/bench/results.txt (for benchstat).
#
# About three minutes on 2 cores once the build cache is warm. Timings move
# with whatever else the machine is doing: the document records the load.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
# go.mod names the patched toolchain; some Go installs default to local.
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
# The Makefile passes the build tag in GOFLAGS; add it when run directly.
case " ${GOFLAGS:-} " in
*migrated_fynedo*) ;;
*) export GOFLAGS="${GOFLAGS:+$GOFLAGS }-tags=migrated_fynedo" ;;
esac
export LANG=en_US.UTF-8

say() { printf '\n== %s\n' "$*"; }

for tool in Xvfb dbus-run-session gnome-keyring-daemon; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing: run 'make deps-test'" >&2; exit 1; }
done

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)
out=build/bench
mkdir -p "$out" docs
results="$PWD/$out/results.txt"
: >"$results"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say "building the binary (no race detector) and the benchmark programs"
$GO build -o "$tmp/asckeys" .
$GO test -c -o "$tmp/bench.test" ./bench
$GO test -c -o "$tmp/datatable.test" ./gui/datatable
$GO test -c -o "$tmp/gui.test" ./gui

# bench runs a benchmark program in its package folder and keeps its output.
bench() {
	local dir=$1 prog=$2
	shift 2
	(cd "$dir" && "$prog" -test.run '^$' "$@") | tee -a "$results"
}

say "7. the binary's size, and whether it links the spec checker"
size=$(stat -c %s "$tmp/asckeys")
linked=$($GO version -m "$tmp/asckeys" | grep -cE 'github.com/(getkin/kin-openapi|gorilla/mux)' || true)
echo "BenchmarkBinarySize 1 $size bytes $linked spec-checker-packages" | tee -a "$results"

say "1. listing a large account (7 runs, 100 ms a request)"
bench bench "$tmp/bench.test" -test.bench '^BenchmarkListLargeAccount$' -test.benchtime 7x
say "2. bytes: sparse fieldsets against all attributes"
bench bench "$tmp/bench.test" -test.bench '^BenchmarkSparseBytes$' -test.benchtime 1x
say "3. downloading 200 certificates and 200 profiles (3 runs each)"
bench bench "$tmp/bench.test" -test.bench '^BenchmarkDownload$' -test.benchtime 3x
say "3. profiles download --all on the 5,000-profile account (1 run)"
bench bench "$tmp/bench.test" -test.bench '^BenchmarkDownloadAllProfiles$' -test.benchtime 1x
say "8. bulk writes: registering 100 devices, regenerating 50 profiles (3 runs each, 100 ms a request)"
bench bench "$tmp/bench.test" -test.bench '^Benchmark(RegisterDevices|RegenerateProfiles)$' -test.benchtime 3x
say "9. profiles in partitions by type (3 runs, 100 ms a request)"
bench bench "$tmp/bench.test" -test.bench '^BenchmarkPartitionedProfiles$' -test.benchtime 3x
say "10. a slow link: 10 Mbit/s, 100 ms, gzip (3 runs)"
bench bench "$tmp/bench.test" -test.bench '^BenchmarkSlowLink$' -test.benchtime 3x
say "11, 12. doctor: the check with warm lists, --fix in bulk (3 runs each, 100 ms a request)"
bench bench "$tmp/bench.test" -test.bench '^BenchmarkDoctor(Check|Fix)$' -test.benchtime 3x
say "6. token signing"
bench bench "$tmp/bench.test" -test.bench '^Benchmark(Sign|Cached)Token$'

say "4. start-up and peak memory (Xvfb, throwaway D-Bus session and keyring)"
mkdir -p "$tmp/keyring/data" "$tmp/keyring/run"
chmod 700 "$tmp/keyring/run"
export ASCKEYS_BENCH_BINARY="$tmp/asckeys" BENCH_PROG="$tmp/bench.test" BENCH_RESULTS="$results"
XDG_DATA_HOME="$tmp/keyring/data" XDG_RUNTIME_DIR="$tmp/keyring/run" dbus-run-session -- bash -euo pipefail -c '
	# The unlock must happen inside the same session as the benchmarks.
	if ! msg=$(printf %s throwaway | gnome-keyring-daemon --unlock --components=secrets 2>&1); then
		echo "bench: could not start GNOME Keyring: $msg" >&2
		exit 1
	fi
	cd bench
	"$BENCH_PROG" -test.run "^$" -test.bench "^BenchmarkStartup" -test.benchtime 5x | tee -a "$BENCH_RESULTS"
	"$BENCH_PROG" -test.run "^$" -test.bench "^BenchmarkWindowLargeAccount$" -test.benchtime 3x | tee -a "$BENCH_RESULTS"
' 2> >(grep -v 'Failed to set fd limit' >&2)

say "5. a table of 10,000 rows (gui/datatable), and the first rows of an uncached 5,000-profile tab (gui)"
bench gui/datatable "$tmp/datatable.test" -test.bench . -test.benchmem
bench gui "$tmp/gui.test" -test.bench '^BenchmarkFirstRows$' -test.benchtime 5x

say "writing docs/BENCHMARKS.md"
$GO run ./tools/benchreport -o docs/BENCHMARKS.md -load-before "$load_before" "$results"
