#!/usr/bin/env bash
# Smoke test: start the real asckeys binary under Xvfb with Mesa's software GL,
# wait for its main window (found by title), take a screenshot, end the process
# with SIGTERM and expect a clean exit.
#
#   scripts/smoke.sh BINARY SCREENSHOT [TITLE] [-- ARGS...]
#
# HOME and the XDG folders should already point at a throwaway folder (make test
# does this), so the app never touches the user's config or keychain.
set -euo pipefail

bin=${1:?usage: smoke.sh BINARY SCREENSHOT [TITLE] [-- ARGS...]}
shot=${2:?usage: smoke.sh BINARY SCREENSHOT [TITLE] [-- ARGS...]}
title=${3:-ASC Keys}
shift 3 2>/dev/null || shift $#
[ "${1:-}" = "--" ] && shift
timeout_s=${SMOKE_TIMEOUT:-60}

for tool in Xvfb xdotool import; do
	command -v "$tool" >/dev/null || { echo "smoke: $tool is missing: run 'make deps'" >&2; exit 1; }
done

work=$(mktemp -d)
xvfb_pid=""
app_pid=""
cleanup() {
	[ -n "$app_pid" ] && kill -9 "$app_pid" 2>/dev/null || true
	[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# -displayfd picks a free display number, so parallel runs never collide.
exec 3>"$work/display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 100); do
	[ -s "$work/display" ] && break
	sleep 0.1
done
[ -s "$work/display" ] || { echo "smoke: Xvfb did not start:" >&2; cat "$work/xvfb.log" >&2; exit 1; }
export DISPLAY=":$(head -n1 "$work/display")"
export LANG=${LANG:-en_US.UTF-8}

"$bin" "$@" >"$work/app.log" 2>&1 &
app_pid=$!
start=$(date +%s%N)

# xdotool matches a regular expression: escape the title's special characters.
title_re="^$(printf '%s' "$title" | sed 's/[][\\.^$*+?(){}|]/\\&/g')\$"
win=""
deadline=$((SECONDS + timeout_s))
while [ $SECONDS -lt $deadline ]; do
	if ! kill -0 "$app_pid" 2>/dev/null; then
		wait "$app_pid" && rc=0 || rc=$?
		app_pid=""
		echo "smoke: the app exited (status $rc) before its window appeared; its output:" >&2
		cat "$work/app.log" >&2
		exit 1
	fi
	win=$(xdotool search --name "$title_re" 2>/dev/null | head -n1 || true)
	[ -n "$win" ] && break
	sleep 0.1
done
if [ -z "$win" ]; then
	echo "smoke: no window titled '$title' within ${timeout_s}s; the app's output:" >&2
	cat "$work/app.log" >&2
	exit 1
fi
shown=$(date +%s%N)
echo "smoke: window '$title' appeared after $(( (shown - start) / 1000000 )) ms"

# Let the first frames render before the screenshot.
sleep "${SMOKE_SETTLE:-2}"
kill -0 "$app_pid" 2>/dev/null || { echo "smoke: the app died after showing its window:" >&2; cat "$work/app.log" >&2; exit 1; }
mkdir -p "$(dirname "$shot")"
import -window "$win" "$shot"
echo "smoke: screenshot $shot"

kill -TERM "$app_pid"
rc=0
for _ in $(seq 100); do
	kill -0 "$app_pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$app_pid" 2>/dev/null; then
	# Go prints every goroutine's stack on SIGQUIT: what it is waiting for.
	kill -QUIT "$app_pid" 2>/dev/null || true
	sleep 1
	echo "smoke: the app did not exit within 10 s of SIGTERM; its output and goroutines:" >&2
	cat "$work/app.log" >&2
	exit 1
fi
wait "$app_pid" || rc=$?
app_pid=""
if [ "$rc" -ne 0 ]; then
	echo "smoke: the app exited with status $rc after SIGTERM; its output:" >&2
	cat "$work/app.log" >&2
	exit 1
fi
if grep -q 'did not close within' "$work/app.log"; then
	# main's fallback for Fyne's occasional quit hang (fyne-io/fyne#6021)
	# ended it: worth seeing, not a failure of ours.
	echo "smoke: warning: the window's loop did not return after SIGTERM; main's 5 s fallback ended the app" >&2
fi
if grep -E -q 'DATA RACE|panic:' "$work/app.log"; then
	echo "smoke: the app reported a data race or panic:" >&2
	cat "$work/app.log" >&2
	exit 1
fi
echo "smoke: the app exited cleanly"
