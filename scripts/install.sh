#!/usr/bin/env bash
# Installs what Ippo's dev and test commands need and is missing: Debian's
# PostgreSQL, Chromium and Japanese fonts (for the console's browser tests);
# and, built from the Go module proxy (never a prebuilt binary), the Temporal
# CLI, the Temporal server and its SQL tool, and helm.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [ -z "$(pg_bindir)" ]; then
	log "installing PostgreSQL (Debian package)"
	[ "$(id -u)" = 0 ] || die "PostgreSQL is missing; install Debian's postgresql package (needs root)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
	# The package starts a cluster of its own on 5432; Ippo runs its own under .dev/.
fi

# The console's browser tests drive Debian's Chromium headless; Noto CJK
# renders the Japanese pages (and their screenshots) as staff see them.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed" || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]} (Debian packages)"
	[ "$(id -u)" = 0 ] || die "missing ${missing[*]}; install Debian's packages (needs root)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# A CLI built with go install reports version 0.0.0-DEV, so a stamp file
# records which tag bin/temporal was built from.
stamp="$BIN/.temporal-cli-version"
if [ ! -x "$BIN/temporal" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$TEMPORAL_CLI_VERSION" ]; then
	log "building the Temporal CLI $TEMPORAL_CLI_VERSION from the Go module proxy (about 6 minutes the first time)"
	mkdir -p "$BIN"
	GOBIN="$BIN" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
	echo "$TEMPORAL_CLI_VERSION" >"$stamp"
fi

# go_tool NAME VERSION PACKAGE MINUTES: builds PACKAGE@VERSION into bin/NAME
# unless bin/NAME is there with a stamp naming VERSION (go install names the
# binary after its folder, so it is built aside and renamed).
go_tool() {
	local name=$1 version=$2 pkg=$3 minutes=$4 stamp="$BIN/.$1-version" tmp
	if [ -x "$BIN/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
		return
	fi
	log "building $name $version from the Go module proxy (about $minutes minutes the first time on a busy two-core machine)"
	mkdir -p "$BIN"
	tmp=$(mktemp -d)
	GOBIN="$tmp" go install "$pkg@$version"
	mv "$tmp/$(basename "$pkg")" "$BIN/$name"
	rmdir "$tmp"
	echo "$version" >"$stamp"
}

# The production-shaped end-to-end test runs the real server on PostgreSQL;
# the SQL tool sets up its schema (embedded in the tool).
go_tool temporal-server "$TEMPORAL_SERVER_VERSION" go.temporal.io/server/cmd/server 15
go_tool temporal-sql-tool "$TEMPORAL_SERVER_VERSION" go.temporal.io/server/cmd/tools/sql 1
# helm lints and renders deploy/helm/ippo in make test.
go_tool helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm 12
