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

# The Temporal CLI and the Temporal server with its SQL tool are pinned in
# tools/temporal/go.mod (go.sum holds their checksums) and built in one go
# build: the CLI embeds the same server version, so the shared packages are
# compiled once. A stamp (the digest of go.mod and go.sum) says what bin/ holds.
tools="$ROOT/tools/temporal"
grep -q "github.com/temporalio/cli $TEMPORAL_CLI_VERSION" "$tools/go.mod" &&
	grep -q "go.temporal.io/server $TEMPORAL_SERVER_VERSION" "$tools/go.mod" ||
	die "tools/temporal/go.mod does not pin the CLI $TEMPORAL_CLI_VERSION and the server $TEMPORAL_SERVER_VERSION (scripts/lib.sh)"
sum=$(cat "$tools/go.mod" "$tools/go.sum" | sha256sum | cut -c1-16)
stamp="$BIN/.temporal-tools"
if [ ! -x "$BIN/temporal" ] || [ ! -x "$BIN/temporal-server" ] || [ ! -x "$BIN/temporal-sql-tool" ] ||
	[ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
	log "building the Temporal CLI $TEMPORAL_CLI_VERSION, server $TEMPORAL_SERVER_VERSION and its SQL tool from the Go module proxy (about 3 minutes the first time on an idle two-core machine, 12 on a busy one)"
	mkdir -p "$BIN"
	tmp=$(mktemp -d)
	(cd "$tools" && GOWORK=off go build -o "$tmp/" github.com/temporalio/cli/cmd/temporal \
		go.temporal.io/server/cmd/server go.temporal.io/server/cmd/tools/sql)
	mv "$tmp/temporal" "$BIN/temporal"
	mv "$tmp/server" "$BIN/temporal-server"
	mv "$tmp/sql" "$BIN/temporal-sql-tool"
	rmdir "$tmp"
	rm -f "$BIN"/.temporal-cli-version "$BIN"/.temporal-server-version "$BIN"/.temporal-sql-tool-version
	echo "$sum" >"$stamp"
fi

# go_tool NAME VERSION PACKAGE HOW_LONG: builds PACKAGE@VERSION into bin/NAME
# unless bin/NAME is there with a stamp naming VERSION (go install names the
# binary after its folder, so it is built aside and renamed).
go_tool() {
	local name=$1 version=$2 pkg=$3 minutes=$4 stamp="$BIN/.$1-version" tmp
	if [ -x "$BIN/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
		return
	fi
	log "building $name $version from the Go module proxy (the first time: about $minutes)"
	mkdir -p "$BIN"
	tmp=$(mktemp -d)
	GOBIN="$tmp" go install "$pkg@$version"
	mv "$tmp/$(basename "$pkg")" "$BIN/$name"
	rmdir "$tmp"
	echo "$version" >"$stamp"
}

# helm lints and renders deploy/helm/ippo in make test.
go_tool helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm "1½ minutes on an idle two-core machine, 8 on a busy one"
