#!/usr/bin/env bash
# make fuzz: runs every fuzz target of the project (each `func FuzzXxx` in a
# _test.go file) for a bounded time, one after the other (go test -fuzz takes
# one target at a time), then prints a summary: executions, new interesting
# inputs and the result of each.
#
#   scripts/fuzz.sh [TIME]   TIME per target: seconds (30) or a duration (30s, 2m, 1h); default 30
#   FUZZ=ParseTime scripts/fuzz.sh 60   only the targets whose name matches the regexp
#   scripts/fuzz.sh --list   print the targets (package and name) and stop
#
# A failure leaves its input in the package's testdata/fuzz/FuzzXxx/ folder,
# where `go test` (and so `make test`) replays it from then on: fix the bug,
# then commit the input with the fix. Plain `go test` runs only the committed
# seed corpora; this script is what explores beyond them.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}

arg=${1:-30}
list=false
if [ "$arg" = --list ]; then
	list=true
	arg=30
fi
case "$arg" in
*[!0-9smh]* | "" | [smh]*)
	echo "fuzz.sh: the time per target must be seconds or a duration like 30s, 2m, 1h (got '$arg')" >&2
	exit 2
	;;
*h) seconds=$((${arg%h} * 3600)) ;;
*m) seconds=$((${arg%m} * 60)) ;;
*s) seconds=${arg%s} ;;
*) seconds=$arg ;;
esac
[ "$seconds" -gt 0 ] || { echo "fuzz.sh: the time per target must be more than 0" >&2; exit 2; }
filter=${FUZZ:-.}

# package directory and target name, one pair per line.
targets=$(grep -rE --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]*' --exclude-dir=.git --exclude-dir=vendor . |
	sed -E 's|^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)$|\1 \2|' | sort -u | grep -E " .*${filter}" || true)
if [ -z "$targets" ]; then
	echo "fuzz.sh: no fuzz target matches '$filter'" >&2
	exit 1
fi
if $list; then
	printf '%s\n' "$targets"
	exit 0
fi
count=$(printf '%s\n' "$targets" | wc -l)
echo "== fuzzing $count targets for ${seconds}s each (about $((count * seconds / 60 + 1)) minutes)"

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
summary=()
failed=0
while read -r dir name; do
	out="$log/$name.log"
	printf '\n== %s (%s)\n' "$name" "$dir"
	status=ok
	# The timeout covers the fuzzing, building the instrumented test binary,
	# and the seed corpus; a seed that hangs still ends the run.
	if ! "$GO" test -tags migrated_fynedo -run '^$' -fuzz "^${name}\$" -fuzztime "${seconds}s" \
		-timeout "$((seconds + 600))s" "$dir" >"$out" 2>&1; then
		status=FAILED
		failed=$((failed + 1))
	fi
	# The last progress line has the totals.
	last=$(grep -E '^fuzz: elapsed: .*execs: ' "$out" | tail -n 1 || true)
	execs=$(sed -nE 's/.*execs: ([0-9]+).*/\1/p' <<<"$last")
	newi=$(sed -nE 's/.*new interesting: ([0-9]+).*/\1/p' <<<"$last")
	if [ "$status" = ok ]; then
		tail -n 1 "$out"
	else
		cat "$out"
		crasher=$(grep -Eo 'testdata/fuzz/[^ ]+' "$out" | tail -n 1 || true)
		[ -n "$crasher" ] && status="FAILED: $dir/$crasher"
	fi
	summary+=("$(printf '%-22s %-16s %12s %6s  %s' "$name" "$dir" "${execs:-0}" "${newi:-0}" "$status")")
done <<<"$targets"

printf '\n== summary (%ss per target, %s)\n' "$seconds" "$("$GO" version | cut -d' ' -f3)"
printf '%-22s %-16s %12s %6s  %s\n' target package execs new result
printf '%s\n' "${summary[@]}"
if [ "$failed" -gt 0 ]; then
	echo "$failed of $count targets failed: each failing input is in its package's testdata/fuzz/; fix the bug and commit the input" >&2
	exit 1
fi
echo "all $count targets passed"
