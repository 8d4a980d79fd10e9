#!/usr/bin/env bash
# After `dpkg -i dist/asckeys_*.deb`: check the installed package as a user
# gets it: its files, `asckeys --version`, and its window under Xvfb (by
# scripts/smoke.sh, which finds it by title), with HOME and the XDG folders
# in a throwaway folder.
#
#   scripts/check-package.sh [BINARY]      (default /usr/bin/asckeys)
#
# PKG_ROOT checks a package unpacked there instead (dpkg -x), without
# installing it.
set -euo pipefail
cd "$(dirname "$0")/.."

root=${PKG_ROOT:-}
bin=${1:-$root/usr/bin/asckeys}
version=$(sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)

for f in /usr/share/applications/io.asckeys.app.desktop /usr/share/metainfo/io.asckeys.app.metainfo.xml \
	/usr/share/icons/hicolor/512x512/apps/io.asckeys.app.png; do
	[ -f "$root$f" ] || { echo "check-package: $f is not installed" >&2; exit 1; }
done

got=$("$bin" --version)
case $got in
*"$version"*) echo "check-package: $bin --version: $got" ;;
*) echo "check-package: $bin --version printed '$got', want version $version" >&2; exit 1 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/config" "$tmp/data" "$tmp/cache" "$tmp/state"
HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" XDG_CACHE_HOME="$tmp/cache" \
	XDG_STATE_HOME="$tmp/state" SMOKE_SETTLE=1 scripts/smoke.sh "$bin" "$tmp/installed.png"
echo "check-package: the installed asckeys $version starts and shows its window"
