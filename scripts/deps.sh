#!/usr/bin/env bash
# Installs the system packages ASC Keys needs to build (cgo, X11/GL headers),
# to test (Xvfb, D-Bus, GNOME Keyring, xdotool, ImageMagick, OpenSSL) and, with
# --windows, to cross-compile for Windows. Only what is missing is installed,
# and the script says what it installs; a second run is quick and silent.
#
#   scripts/deps.sh [--build] [--test] [--windows]   (no flag: --build)
set -euo pipefail

want_build=0 want_test=0 want_windows=0
[ $# -eq 0 ] && want_build=1
for a in "$@"; do
	case "$a" in
	--build) want_build=1 ;;
	--test) want_build=1 want_test=1 ;;
	--windows) want_windows=1 ;;
	*) echo "deps: unknown option $a (use --build, --test, --windows)" >&2; exit 2 ;;
	esac
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "deps: not root and no sudo: install the packages below by hand" >&2; }
	sudo_cmd=(sudo)
fi

os=$(uname -s)
case "$os" in
Darwin)
	if ! xcode-select -p >/dev/null 2>&1; then
		echo "deps: the Xcode command line tools are missing: run 'xcode-select --install', then try again." >&2
		exit 1
	fi
	command -v go >/dev/null || { echo "deps: Go is missing: install Go 1.26 from https://go.dev/dl/" >&2; exit 1; }
	exit 0
	;;
MINGW* | MSYS* | CYGWIN* | Windows_NT)
	cat >&2 <<'MSG'
deps: on Windows, install Go 1.26 (https://go.dev/dl/) and a 64-bit gcc for cgo,
for example MSYS2's mingw-w64-x86_64-gcc (pacman -S mingw-w64-x86_64-gcc) or TDM-GCC,
and put its bin folder on PATH. The keychain is Windows Credential Manager: nothing to install.
MSG
	command -v gcc >/dev/null && command -v go >/dev/null && exit 0
	exit 1
	;;
esac

if command -v apt-get >/dev/null; then
	pkgs=()
	[ $want_build -eq 1 ] && pkgs+=(gcc libc6-dev pkg-config libgl-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev)
	[ $want_test -eq 1 ] && pkgs+=(xvfb xauth dbus-daemon gnome-keyring xdotool imagemagick openssl)
	[ $want_windows -eq 1 ] && pkgs+=(gcc-mingw-w64-x86-64)
	missing=()
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && exit 0
	echo "deps: installing with apt-get: ${missing[*]}"
	# Refresh the package lists only when they are missing or a day old.
	if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n1)" ]; then
		"${sudo_cmd[@]}" apt-get update -q
	fi
	DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
elif command -v dnf >/dev/null; then
	pkgs=()
	[ $want_build -eq 1 ] && pkgs+=(gcc pkgconf-pkg-config mesa-libGL-devel libX11-devel libXcursor-devel libXrandr-devel libXinerama-devel libXi-devel libXxf86vm-devel)
	[ $want_test -eq 1 ] && pkgs+=(xorg-x11-server-Xvfb xorg-x11-xauth dbus-daemon gnome-keyring xdotool ImageMagick openssl)
	[ $want_windows -eq 1 ] && pkgs+=(mingw64-gcc)
	missing=()
	for p in "${pkgs[@]}"; do rpm -q "$p" >/dev/null 2>&1 || missing+=("$p"); done
	[ ${#missing[@]} -eq 0 ] && exit 0
	echo "deps: installing with dnf: ${missing[*]}"
	"${sudo_cmd[@]}" dnf install -y "${missing[@]}"
else
	echo "deps: no apt-get or dnf here: install gcc, pkg-config and the X11/GL development headers (Xcursor, Xrandr, Xinerama, Xi, Xxf86vm) with your package manager" >&2
	exit 1
fi
