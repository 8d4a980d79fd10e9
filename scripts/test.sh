#!/usr/bin/env bash
# make test: formatting, vet, the cross-platform compile checks, the whole test
# suite under the race detector against a real Secret Service, and a smoke test
# of the real binary in a real window under Xvfb.
#
# Everything runs with HOME and the XDG folders in a throwaway folder and in a
# throwaway D-Bus session whose GNOME Keyring is unlocked with a throwaway
# password, so a test run never touches the user's keychain or config.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
say() { printf '\n== %s\n' "$*"; }

# Keep Go's own caches where they are before HOME and XDG_CACHE_HOME move.
GOCACHE=$($GO env GOCACHE)
GOMODCACHE=$($GO env GOMODCACHE)
GOPATH=$($GO env GOPATH)
export GOCACHE GOMODCACHE GOPATH

say "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './vendor/*'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change these files (run 'gofmt -w' on them):" >&2
	echo "$unformatted" >&2
	exit 1
fi

say "go vet"
# -race shares its build with the tests below, so Fyne's cgo part compiles once.
$GO vet -race ./...

# The packages that need neither Fyne's driver nor a platform SDK: they must
# build for every desktop.
portable=()
for d in core storage; do [ -d "$d" ] && portable+=("./$d/...") ; done
portable_pkgs=$($GO list "${portable[@]}")
[ -n "$portable_pkgs" ] || { echo "no portable packages found under core/ and storage/" >&2; exit 1; }

say "macOS: go vet on the packages that need no macOS SDK"
GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 $GO vet $portable_pkgs

if [ "${ASCKEYS_SKIP_WINDOWS:-}" = 1 ] && [ "${CI:-}" != true ]; then
	say "Windows: skipped (ASCKEYS_SKIP_WINDOWS=1; CI never skips it)"
else
	say "Windows: cross-compiling the whole app with mingw-w64"
	command -v x86_64-w64-mingw32-gcc >/dev/null || { echo "x86_64-w64-mingw32-gcc is missing: run 'make deps-windows'" >&2; exit 1; }
	GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc $GO build -o /dev/null .
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $GO vet $portable_pkgs
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/config" "$tmp/data" "$tmp/cache" "$tmp/state" "$tmp/run"
chmod 700 "$tmp/run"
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" \
	XDG_CACHE_HOME="$tmp/cache" XDG_STATE_HOME="$tmp/state" XDG_RUNTIME_DIR="$tmp/run"
export LANG=en_US.UTF-8
# Tests that need the real keychain fail, rather than skip, when it is missing.
export ASCKEYS_REQUIRE_KEYCHAIN=1
# So do the spec and fixture checks when ../shared (Apple's spec, captured responses) is missing.
export ASCKEYS_REQUIRE_SHARED=1

for tool in dbus-run-session gnome-keyring-daemon; do
	command -v "$tool" >/dev/null || { echo "$tool is missing: run 'make deps-test'" >&2; exit 1; }
done

say "building the binary for the smoke test (race detector on)"
$GO build -race -o "$tmp/asckeys" .

export ASCKEYS_TEST_BINARY="$tmp/asckeys" ASCKEYS_SMOKE_SHOT="${ASCKEYS_SMOKE_SHOT:-build/screenshots/main-window.png}"
say "go test -race ./... and the smoke test, inside a throwaway D-Bus session with GNOME Keyring"
dbus-run-session -- bash -euo pipefail -c '
	# The unlock must happen inside the same session as the tests.
	if ! out=$(printf %s throwaway | gnome-keyring-daemon --unlock --components=secrets 2>&1); then
		echo "could not start GNOME Keyring: $out" >&2
		exit 1
	fi
	go test -race ${GOTESTFLAGS:-} ./...
	printf "\n== smoke test: the real window under Xvfb\n"
	scripts/smoke.sh "$ASCKEYS_TEST_BINARY" "$ASCKEYS_SMOKE_SHOT" "ASC Keys"
'
say "govulncheck"
GO=$GO scripts/audit.sh

say "all checks passed"
