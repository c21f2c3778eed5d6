#!/usr/bin/env bash
# make dev: installs what is missing, starts PostgreSQL and the Temporal dev
# server (with its Web UI), migrates, seeds, runs Ippo, and prints the URLs
# and the admin token. Ctrl-C stops everything this script started; data
# stays in .dev/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/install.sh"

started=()
ippo_pid=""
fake_pid=""
cleanup() {
	trap - EXIT INT TERM
	echo
	log "stopping"
	[ -n "$ippo_pid" ] && kill -TERM "$ippo_pid" 2>/dev/null && wait "$ippo_pid" 2>/dev/null || true
	[ -n "$fake_pid" ] && kill -TERM "$fake_pid" 2>/dev/null || true
	for ((i = ${#started[@]} - 1; i >= 0; i--)); do
		"$ROOT/scripts/${started[i]}.sh" stop || true
	done
	log "stopped; data is kept in .dev/"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pg=$("$ROOT/scripts/postgres.sh" start)
[ "$pg" = started ] && started+=(postgres)
"$ROOT/scripts/postgres.sh" createdb ippo
export IPPO_HTTP_ADDR=${IPPO_HTTP_ADDR:-127.0.0.1:8080}
# The Web UI decodes the encrypted payloads through Ippo's codec endpoint,
# which answers the UI's origin only.
export IPPO_CODEC_ENDPOINT="http://$IPPO_HTTP_ADDR/codec/${TEMPORAL_NAMESPACE:-default}"
export IPPO_TEMPORAL_UI_ORIGIN=${IPPO_TEMPORAL_UI_ORIGIN:-http://127.0.0.1:$TEMPORAL_UI_PORT}
tm=$("$ROOT/scripts/temporal.sh" start)
[ "$tm" = started ] && started+=(temporal)

log "building ippo"
go build -o "$BIN/ippo" ./cmd/ippo

export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:$PG_PORT/ippo?sslmode=disable}
export TEMPORAL_ADDRESS=${TEMPORAL_ADDRESS:-127.0.0.1:$TEMPORAL_PORT}
export IPPO_PUBLIC_URL=${IPPO_PUBLIC_URL:-http://localhost:${IPPO_HTTP_ADDR##*:}}
# A development installation keeps its admin token and link secret in .dev/.
if [ -z "${IPPO_BOOTSTRAP_ADMIN_TOKEN:-}" ]; then
	[ -s "$DEV/admin-token" ] || { umask 077; head -c 32 /dev/urandom | base64 | tr -d '/+=\n' | head -c 40 >"$DEV/admin-token"; }
	IPPO_BOOTSTRAP_ADMIN_TOKEN=$(cat "$DEV/admin-token")
fi
export IPPO_BOOTSTRAP_ADMIN_TOKEN
if [ -z "${IPPO_LINK_SECRET:-}" ]; then
	[ -s "$DEV/link-secret" ] || { umask 077; head -c 48 /dev/urandom | base64 | tr -d '\n' >"$DEV/link-secret"; }
	IPPO_LINK_SECRET=$(cat "$DEV/link-secret")
fi
export IPPO_LINK_SECRET
# Payloads reach Temporal encrypted, in development too, with a key kept in .dev/.
if [ -z "${IPPO_PAYLOAD_KEYS:-}" ]; then
	[ -s "$DEV/payload-keys" ] || { umask 077; echo "dev-$(date +%Y%m%d):$(head -c 32 /dev/urandom | base64 | tr -d '\n')" >"$DEV/payload-keys"; }
	IPPO_PAYLOAD_KEYS=$(cat "$DEV/payload-keys")
fi
export IPPO_PAYLOAD_KEYS

# SENDGRID=fake runs a local fake of SendGrid's API and sends every email
# there; the fake posts signed delivery events back to Ippo's Event Webhook,
# whose verification key is the fake's.
if [ "${SENDGRID:-}" = fake ]; then
	fake_port=${IPPO_SENDGRID_FAKE_PORT:-9025}
	export SENDGRID_API_KEY=SG.fake-development-key SENDGRID_API_HOST=http://127.0.0.1:$fake_port
	IPPO_SENDGRID_FAKE_ADDR=127.0.0.1:$fake_port IPPO_SENDGRID_FAKE_EVENTS_URL=http://$IPPO_HTTP_ADDR/webhooks/sendgrid \
		"$BIN/ippo" sendgrid-fake >"$DEV/sendgrid-fake.log" 2>&1 &
	fake_pid=$!
	wait_port "$fake_port" 20 "the SendGrid fake"
	SENDGRID_WEBHOOK_PUBLIC_KEY=$(curl -fsS "http://127.0.0.1:$fake_port/fake/webhook-public-key")
	export SENDGRID_WEBHOOK_PUBLIC_KEY
fi

log "migrating and seeding"
"$BIN/ippo" migrate >/dev/null
"$BIN/ippo" seed

"$BIN/ippo" serve 2>>"$DEV/ippo.log" &
ippo_pid=$!
for _ in $(seq 1 150); do
	curl -fsS "http://$IPPO_HTTP_ADDR/readyz" >/dev/null 2>&1 && break
	kill -0 "$ippo_pid" 2>/dev/null || die "ippo exited; see .dev/ippo.log"
	sleep 0.2
done

cat <<EOT

  Ippo is running.

  Console       http://$IPPO_HTTP_ADDR/console/   (sign in with the admin token below)
  API           http://$IPPO_HTTP_ADDR/api/v1   (docs: http://$IPPO_HTTP_ADDR/api/v1/docs)
  Health        http://$IPPO_HTTP_ADDR/readyz
  Temporal UI   http://127.0.0.1:$TEMPORAL_UI_PORT   (payloads decoded by $IPPO_CODEC_ENDPOINT)
  Decoded UI    sign in at http://$IPPO_HTTP_ADDR/codec/signin, then in the UI's codec setting
                turn on "include cross-origin credentials"
  Decoded CLI   bin/temporal workflow show -w worker/<id> --codec-endpoint $IPPO_CODEC_ENDPOINT --codec-auth "Bearer \$TOKEN"
  PostgreSQL    $DATABASE_URL
  Admin token   $IPPO_BOOTSTRAP_ADMIN_TOKEN
  Month length  ${IPPO_MONTH_LENGTH:-real time}
  Email         ${SENDGRID_API_HOST:-outbox only (GET /api/v1/outbox)}${SENDGRID_WEBHOOK_PUBLIC_KEY:+ (events: http://$IPPO_HTTP_ADDR/webhooks/sendgrid)}
  Logs          .dev/ippo.log

  Try: curl -H "Authorization: Bearer $IPPO_BOOTSTRAP_ADMIN_TOKEN" http://$IPPO_HTTP_ADDR/api/v1/agencies

  Ctrl-C stops everything this command started.
EOT
wait "$ippo_pid"
