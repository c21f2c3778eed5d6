#!/usr/bin/env bash
# temporal.sh start|stop — the Temporal CLI dev server with its SQLite file
# under .dev/, the Web UI, and Ippo's search attributes, on loopback.
# "start" prints "started" if it started the server, "running" if it was up.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

pidfile="$DEV/temporal.pid"
case "${1:-}" in
start)
	if port_open "$TEMPORAL_PORT"; then
		echo running
		exit 0
	fi
	mkdir -p "$DEV"
	args=(server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT"
		--db-filename "$DEV/temporal.db" --log-level warn --log-format json)
	for sa in "${SEARCH_ATTRIBUTES[@]}"; do args+=(--search-attribute "$sa"); done
	# make dev points the UI at Ippo's codec endpoint (encrypted payloads).
	[ -n "${IPPO_CODEC_ENDPOINT:-}" ] && args+=(--ui-codec-endpoint "$IPPO_CODEC_ENDPOINT")
	nohup "$BIN/temporal" "${args[@]}" >"$DEV/temporal.log" 2>&1 &
	echo $! >"$pidfile"
	wait_port "$TEMPORAL_PORT" 60 "the Temporal dev server"
	for _ in $(seq 1 100); do
		"$BIN/temporal" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" >/dev/null 2>&1 && break
		sleep 0.2
	done
	echo started
	;;
stop)
	if [ -s "$pidfile" ]; then
		kill "$(cat "$pidfile")" 2>/dev/null || true
		for _ in $(seq 1 100); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.1; done
		rm -f "$pidfile"
	fi
	;;
*)
	die "usage: temporal.sh start|stop"
	;;
esac
