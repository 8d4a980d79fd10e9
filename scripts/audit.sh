#!/usr/bin/env bash
# make audit: govulncheck against the Go vulnerability database.
#
# This machine reaches the Go module proxy but not vuln.go.dev, so the
# database comes from the golang.org/x/vulndb module (its data/osv reports),
# indexed once with vulndb's own indexdb into a cache folder, and govulncheck
# reads it with -db file://. VULNDB picks the vulndb version: the pinned one
# by default (reproducible), or VULNDB=latest for the newest reports.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
VULNDB=${VULNDB:-v0.0.0-20261105234957-e22db6528018}
GOVULNCHECK=golang.org/x/vuln/cmd/govulncheck@v1.9.0

if [ "$VULNDB" = latest ]; then
	VULNDB=$($GO list -m -f '{{.Version}}' golang.org/x/vulndb@latest)
fi
cache="$($GO env GOCACHE)/asckeys-vulndb/$VULNDB"
if [ ! -s "$cache/index/db.json" ]; then
	echo "audit: building the vulnerability database from golang.org/x/vulndb@$VULNDB"
	src=$($GO mod download -json "golang.org/x/vulndb@$VULNDB" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -d "$src/data/osv" ] || { echo "audit: golang.org/x/vulndb@$VULNDB has no data/osv" >&2; exit 1; }
	rm -rf "$cache.tmp"
	mkdir -p "$(dirname "$cache")"
	GOFLAGS=-mod=mod $GO run "golang.org/x/vulndb/cmd/indexdb@$VULNDB" -vulns "$src/data/osv" -out "$cache.tmp"
	rm -rf "$cache"
	mv "$cache.tmp" "$cache"
fi
echo "audit: govulncheck with golang.org/x/vulndb@$VULNDB ($(ls "$cache/ID" | grep -c "\.json$") reports), $($GO version)"
$GO run "$GOVULNCHECK" -db "file://$cache" ./...
