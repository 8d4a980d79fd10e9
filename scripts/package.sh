#!/usr/bin/env bash
# make package: the installable builds of ASC Keys, in dist/.
#
#   scripts/package.sh [linux] [deb] [windows]     (default: all three)
#
#   linux    asckeys-VERSION-linux-amd64.tar.xz   the fyne tool's archive (make install-able, see README)
#   deb      asckeys_VERSION_amd64.deb            nfpm: binary, desktop entry, icon, AppStream metadata
#   windows  asckeys-VERSION-windows-amd64.exe    the fyne tool with mingw-w64: icon, version info, no console
#
# The tools are pinned Go modules, installed into build/tools (no go.mod change):
# fyne.io/tools and github.com/goreleaser/nfpm/v2. They are built for this
# machine before CC points at mingw-w64, which would otherwise build them too.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
FYNE_TOOL=fyne.io/tools/cmd/fyne@v1.7.4
NFPM_TOOL=github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2
TAGS=migrated_fynedo
say() { printf '\n== %s\n' "$*"; }

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(linux deb windows)

version=$(sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
code_version=$(sed -n 's/^var Version = "\(.*\)"/\1/p' core/credentials.go)
[ -n "$version" ] || { echo "package: no Version in FyneApp.toml" >&2; exit 1; }
[ "$version" = "$code_version" ] || { echo "package: FyneApp.toml says $version but core.Version is $code_version: make them agree" >&2; exit 1; }

# fyne package counts builds in FyneApp.toml (Build = N+1): packaging must
# not change the source tree, so it is put back afterwards.
cp FyneApp.toml build/FyneApp.toml.orig 2>/dev/null || { mkdir -p build && cp FyneApp.toml build/FyneApp.toml.orig; }
trap 'cp build/FyneApp.toml.orig FyneApp.toml' EXIT

tools=$PWD/build/tools
mkdir -p "$tools" dist
tool() { # tool NAME MODULE@VERSION: install once into build/tools
	[ -x "$tools/$1" ] || GOFLAGS= CGO_ENABLED=0 GOOS= GOARCH= GOBIN="$tools" $GO install "$2"
}

for target in "${targets[@]}"; do
	case $target in
	linux)
		say "Linux: asckeys-$version-linux-amd64.tar.xz (fyne package)"
		tool fyne "$FYNE_TOOL"
		"$tools/fyne" package --os linux --release --tags "$TAGS" --name asckeys --app-id io.asckeys.app --icon assets/icon.png
		mv asckeys.tar.xz "dist/asckeys-$version-linux-amd64.tar.xz"
		;;
	deb)
		say "Debian/Ubuntu: asckeys_${version}_amd64.deb (nfpm)"
		tool nfpm "$NFPM_TOOL"
		mkdir -p build/deb
		$GO build -trimpath -tags "$TAGS" -ldflags "-s -w" -o build/deb/asckeys .
		if command -v appstreamcli >/dev/null; then
			appstreamcli validate --no-net --explain packaging/io.asckeys.app.metainfo.xml
		fi
		VERSION=$version \
			"$tools/nfpm" package --config packaging/nfpm.yaml --packager deb --target "dist/asckeys_${version}_amd64.deb"
		;;
	windows)
		say "Windows: asckeys-$version-windows-amd64.exe (fyne package, mingw-w64)"
		command -v x86_64-w64-mingw32-gcc >/dev/null || { echo "x86_64-w64-mingw32-gcc is missing: run 'make deps-test'" >&2; exit 1; }
		tool fyne "$FYNE_TOOL"
		CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc GOOS=windows GOARCH=amd64 \
			"$tools/fyne" package --os windows --release --tags "$TAGS" --name asckeys --app-id io.asckeys.app --icon assets/icon.png
		mv asckeys.exe "dist/asckeys-$version-windows-amd64.exe"
		;;
	*)
		echo "package: unknown target $target (linux, deb or windows)" >&2
		exit 2
		;;
	esac
done
say "built"
ls -l dist
