#!/usr/bin/env bash
# make test: every test — unit, workflow (time-skipped), store tests on the
# real PostgreSQL, and end-to-end tests of the real binary on the real
# Temporal dev server. Starts (or reuses) the PostgreSQL cluster of make dev;
# end-to-end tests start their own Temporal dev server from bin/temporal.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/install.sh"

started=""
pg=$("$ROOT/scripts/postgres.sh" start)
[ "$pg" = started ] && started=yes
trap '[ -n "$started" ] && "$ROOT/scripts/postgres.sh" stop' EXIT

export IPPO_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
export IPPO_TEMPORAL_CLI="$BIN/temporal"
export IPPO_TEMPORAL_SERVER="$BIN/temporal-server" IPPO_TEMPORAL_SQL_TOOL="$BIN/temporal-sql-tool"
export IPPO_HELM="$BIN/helm"
export IPPO_TEST_REQUIRE_INFRA=1

if [ -n "${IPPO_BENCH:-}" ]; then
	# Benchmarks measure speed: no race detector.
	go test -count=1 -timeout 30m "$@" ${PKGS:-./...}
	exit
fi
log "go vet"
go vet ./...
log "go test -race ./..."
go test -race -count=1 -timeout 20m "$@" ${PKGS:-./...}
if [ -z "${PKGS:-}" ]; then
	# The Helm chart's checks: a module of their own (the Kubernetes types).
	log "deploy/helm: helm lint, helm template, strict decoding"
	(cd deploy/helm/test && go vet ./... && go test -count=1 "$@" ./...)
fi
