#!/usr/bin/env bash
# Installs what Ippo's dev and test commands need and is missing:
# Debian's PostgreSQL, and the Temporal CLI built from the Go module proxy.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [ -z "$(pg_bindir)" ]; then
	log "installing PostgreSQL (Debian package)"
	[ "$(id -u)" = 0 ] || die "PostgreSQL is missing; install Debian's postgresql package (needs root)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
	# The package starts a cluster of its own on 5432; Ippo runs its own under .dev/.
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
