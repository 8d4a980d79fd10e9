#!/usr/bin/env bash
# Refresh the README's screenshots in docs/screenshots from the real window
# under Xvfb (through scripts/smoke.sh):
#
#   empty-state.png   the window on an empty key list
#   add-new.png       the demo with the Add New dialog open
#   certificates.png  the demo's certificates (also main-window.png)
#   profiles.png      the demo's profiles
#   *-light.png       the same in the light theme (the others are dark), to
#                     check contrast in both
#   inspector.png     a dropped .mobileprovision's inspector, and
#   on-this-mac.png   the installed profiles, and
#   readiness.png     the key view's Readiness tab (all three also -light): drawn by
#                     Fyne's test driver (gui's TestScreenshotsOfProfilesOnThisMac and
#                     TestScreenshotOfReadiness, on the sandbox's Doctor seed),
#                     since they need a dropped file and a HOME of installed
#                     profiles, which the binary cannot be told to show
#   overview.png      the Overview of three keys with its timeline (also
#                     -light), drawn by gui's TestScreenshotsOfTheOverview:
#                     it needs several keys with lists of different ages
#   create-certificate.png, export-p12.png, import-p12.png, revoke.png,
#   new-profile.png, regenerate.png, regenerate-progress.png,
#   regenerate-summary.png, register-device.png, import-devices.png,
#   new-bundle-id.png, delete-bundle-id.png
#                     the write side's dialogs (both also -light), drawn by
#                     Fyne's test driver on a sandbox account like the demo's
#                     (gui's TestScreenshotsOfTheWriteDialogs): they need rows
#                     chosen, fields typed and a regeneration held mid-way
#
# Each shot gets its own throwaway HOME and XDG folders, so the user's config,
# cache and keychain are never touched; the demo keeps its keys in memory.
set -euo pipefail

cd "$(dirname "$0")/.."
bin=build/asckeys
out=docs/screenshots

go build -tags migrated_fynedo -o "$bin" .
mkdir -p "$out"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shoot FILE TITLE [ARGS...] starts the binary with ARGS in a fresh home and
# captures the window titled TITLE.
shoot() {
	local file=$1 title=$2
	shift 2
	local home
	home=$(mktemp -d -p "$tmp")
	mkdir -p "$home/.config" "$home/.cache" "$home/.local/share"
	mkdir -m 700 "$home/run"
	# On a busy machine the first frame can come after the capture: a shot
	# of one flat colour is taken again.
	for attempt in 1 2 3; do
		HOME=$home XDG_CONFIG_HOME=$home/.config XDG_CACHE_HOME=$home/.cache \
			XDG_DATA_HOME=$home/.local/share XDG_RUNTIME_DIR=$home/run \
			SMOKE_SETTLE=$((${SMOKE_SETTLE:-3} * attempt)) \
			scripts/smoke.sh "$bin" "$out/$file" "$title" -- "$@"
		if [ "$(identify -format '%[fx:standard_deviation]' "$out/$file")" != "0" ]; then
			return 0
		fi
		echo "screenshots: $file is blank (attempt $attempt), taking it again" >&2
	done
	echo "screenshots: $file stayed blank" >&2
	return 1
}

export FYNE_THEME=dark
shoot empty-state.png "ASC Keys"
shoot add-new.png "ASC Keys (demo)" demo --show add
shoot certificates.png "ASC Keys (demo)" demo --show certificates
shoot profiles.png "ASC Keys (demo)" demo --show profiles
export FYNE_THEME=light
shoot add-new-light.png "ASC Keys (demo)" demo --show add
shoot certificates-light.png "ASC Keys (demo)" demo --show certificates
shoot profiles-light.png "ASC Keys (demo)" demo --show profiles
cp "$out/certificates.png" "$out/main-window.png"
# The test points HOME at its own temporary folder: the real Xcode folders
# are never read or written.
ASCKEYS_SCREENSHOTS="$PWD/$out" go test -tags migrated_fynedo -count=1 -run 'TestScreenshotsOfProfilesOnThisMac|TestScreenshotOfReadiness|TestScreenshotsOfTheOverview|TestScreenshotsOfTheWriteDialogs' ./gui/
echo "screenshots: $(ls "$out" | tr '\n' ' ')"
