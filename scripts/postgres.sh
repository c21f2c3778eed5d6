#!/usr/bin/env bash
# postgres.sh start|stop|status — the project's PostgreSQL cluster under
# .dev/pg, listening on 127.0.0.1:$PG_PORT only, run as the postgres user.
# "start" prints "started" if it started the cluster, "running" if it was up.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bindir=$(pg_bindir)
[ -n "$bindir" ] || die "PostgreSQL is not installed (run scripts/install.sh)"

case "${1:-}" in
start)
	if [ ! -s "$PG_DATA/PG_VERSION" ]; then
		log "creating a PostgreSQL cluster in $PG_DATA"
		mkdir -p "$PG_DATA"
		chmod 700 "$PG_DATA"
		[ "$PG_DATA" = "$DEV/pg" ] || log "(the postgres user cannot reach $ROOT, so the cluster lives in $PG_DATA)"
		[ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DATA"
		# trust on loopback only: a development cluster that listens on 127.0.0.1.
		as_postgres "$bindir/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
	fi
	if as_postgres "$bindir/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
		echo running
		exit 0
	fi
	if port_open "$PG_PORT"; then
		die "127.0.0.1:$PG_PORT is taken by another program (another checkout's cluster?): set IPPO_PG_PORT to a free port"
	fi
	as_postgres "$bindir/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start \
		-o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories='$PG_DATA' -c synchronous_commit=off -c max_connections=200" >/dev/null
	echo started
	;;
stop)
	as_postgres "$bindir/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
	;;
status)
	as_postgres "$bindir/pg_ctl" -D "$PG_DATA" status
	;;
createdb)
	db=${2:?database name}
	"$bindir/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAq \
		-c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
		"$bindir/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -q -c "CREATE DATABASE \"$db\""
	;;
*)
	die "usage: postgres.sh start|stop|status|createdb NAME"
	;;
esac
