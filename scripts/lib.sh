# Shared settings and helpers for the dev and test scripts. Sourced, not run.
# Everything runs on loopback; data lives under .dev/ in the checkout.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEV="$ROOT/.dev"
BIN="$ROOT/bin"

# Pinned tool versions (README lists them too).
TEMPORAL_CLI_VERSION=v1.5.1
TEMPORAL_SERVER_VERSION=v1.29.1 # bin/temporal-server and bin/temporal-sql-tool (production-shaped tests)
HELM_VERSION=v3.22.0            # bin/helm (the chart's lint and template in make test)

PG_PORT=${IPPO_PG_PORT:-55432}
PG_DATA="$DEV/pg"
# PostgreSQL runs as the postgres user, who must reach the data folder. A
# checkout under a private home (/root is 0700) keeps its cluster in the
# postgres user's home instead, one per checkout.
if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$ROOT" 2>/dev/null; then
	PG_DATA="$(getent passwd postgres | cut -d: -f6)/ippo-$(printf %s "$ROOT" | md5sum | cut -c1-12)/pg"
fi
TEMPORAL_PORT=${IPPO_TEMPORAL_PORT:-7233}
TEMPORAL_UI_PORT=${IPPO_TEMPORAL_UI_PORT:-8233}

# Ippo's search attributes; registered on the dev server at start.
SEARCH_ATTRIBUTES=(IppoPhase=Keyword IppoNextDeadline=Datetime)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# as_postgres runs a command as the postgres user (PostgreSQL refuses root).
as_postgres() {
	if [ "$(id -u)" = 0 ]; then
		(cd / && runuser -u postgres -- "$@") # from a folder the postgres user may enter
	else
		"$@"
	fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port seconds what
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		port_open "$1" && return 0
		sleep 0.1
	done
	die "$3 did not open port $1 within $2 s"
}
