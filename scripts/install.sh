#!/usr/bin/env bash
# Installs what Ippo's dev and test commands need and is missing:
# Debian's PostgreSQL, Chromium and Japanese fonts (for the console's browser
# tests), and the Temporal CLI built from the Go module proxy.
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
