#!/usr/bin/env bash
# `npm start`: a local Email Piping installation on 127.0.0.1 — MariaDB, Dovecot with demo mailboxes,
# an SMTP server that delivers into them, WordPress with the plugin active, and the sidecar daemon.
# Runs in the foreground; Ctrl-C stops everything. EPIPE_PORT_BASE picks the ports (default 18080).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=scripts/state-dir.sh
. scripts/state-dir.sh

bash scripts/setup.sh
PATH="$ROOT/node_modules/.bin:$PATH"
export PATH

# A previous demo may still be running or may have been killed without cleaning up.
stop_previous demo
STATE=$(new_state_dir demo)

base=${EPIPE_PORT_BASE:-18080}
for p in $(seq "$base" $((base + 9))); do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		base=$(bash tests/env/free-port-base.sh)
		echo "[start] port $p is taken; using ports $base-$((base + 9)) instead (set EPIPE_PORT_BASE to choose)." >&2
		break
	fi
done

sidecar_pid=
stop_all() {
	trap - EXIT INT TERM
	echo "[start] stopping…" >&2
	[ -n "$sidecar_pid" ] && kill -TERM "$sidecar_pid" 2>/dev/null && wait "$sidecar_pid" 2>/dev/null
	bash tests/env/down.sh "$STATE"
	forget_state_dir demo "$STATE"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

EPIPE_PORT_BASE=$base bash tests/env/up.sh "$STATE"
set -a
# shellcheck disable=SC1091
. "$STATE/stack.env"
set +a

sidecar/bin/email-piping run --wp-config "$EPIPE_WP_CONFIG" >>"$STATE/logs/sidecar.log" 2>&1 &
sidecar_pid=$!
sleep 1
kill -0 "$sidecar_pid" 2>/dev/null || {
	cat "$STATE/logs/sidecar.log" >&2
	exit 1
}

cat <<INFO

Email Piping is running.

  wp-admin:        $EPIPE_WP_URL/wp-admin/admin.php?page=email-piping
  login:           $EPIPE_WP_ADMIN_USER / $EPIPE_WP_ADMIN_PASSWORD
  piped mailbox:   support@example.test (IMAP 127.0.0.1:$EPIPE_IMAP_PORT, password support-pass)
  customer inbox:  customer@example.test (IMAP 127.0.0.1:$EPIPE_IMAP_PORT, password customer-pass)
  send mail via:   SMTP 127.0.0.1:$EPIPE_SMTP_PORT (no authentication)
  sidecar log:     $STATE/logs/sidecar.log

Send a test email from customer@example.test to support@example.test:

  npm run send-test-email

It becomes a ticket within seconds; the confirmation lands in the customer's inbox.
Press Ctrl-C to stop.
INFO

wait "$sidecar_pid"
