#!/usr/bin/env bash
# Starts a private test stack under STATE_DIR: MariaDB, Dovecot (IMAP/IMAPS/LMTP), the SMTP sink and
# WordPress on `php -S` with this repository symlinked in as the email-piping plugin.
# Usage: EPIPE_PORT_BASE=18080 tests/env/up.sh STATE_DIR   (stop with tests/env/down.sh STATE_DIR)
# Ports: base WordPress, +1 MariaDB, +2 IMAP (STARTTLS), +3 IMAPS, +4 LMTP, +5 SMTP sink; 127.0.0.1 only.
# EPIPE_SKIP_ACTIVATE=1 leaves the plugin inactive. Facts for tests: STATE_DIR/stack.env and stack.json.
# The caller wipes STATE_DIR; a stale one would hold an installed database and old mail.
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true # bash 5.2 would expand '&' in ${var//x/value}

[ $# -eq 1 ] || { echo "usage: $0 STATE_DIR" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
mkdir -p "$1"
STATE=$(cd "$1" && pwd)
BASE=${EPIPE_PORT_BASE:-18080}
[[ $BASE =~ ^[1-9][0-9]*$ ]] && [ "$BASE" -le 65530 ] || { echo "[up] EPIPE_PORT_BASE must be a port number <= 65530, not '$BASE'." >&2; exit 1; }
WP_PORT=$BASE DB_PORT=$((BASE + 1)) IMAP_PORT=$((BASE + 2)) IMAPS_PORT=$((BASE + 3))
LMTP_PORT=$((BASE + 4)) SMTP_PORT=$((BASE + 5))
WP_URL=http://127.0.0.1:$WP_PORT
WP_DIR=$STATE/wp DB=$STATE/mysql DOVE=$STATE/dovecot SINK_DIR=$STATE/sink LOGS=$STATE/logs RUN=$STATE/run
CA_FILE=$DOVE/cert.pem
NODE=$REPO/node_modules/.bin/node
MAILBOXES=(support customer agent admin harness bench bigbox firstrun) # <name>@example.test / <name>-pass; harness: crash tests, bench + bigbox: benchmark, firstrun: the first-run browser test

say() { echo "[up] $*" >&2; }
die() { say "$*"; exit 1; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
T0=$(now_ms)
timed() { # timed NAME CMD...: runs CMD, prints how long it took
	local name=$1 t
	shift
	t=$(now_ms)
	"$@"
	t=$(($(now_ms) - t))
	say "$(printf '%-9s %d.%03d s' "$name" $((t / 1000)) $((t % 1000)))"
}

# Preconditions that otherwise surface as obscure daemon log lines.
[ "$(id -u)" = 0 ] || die "must run as root: Dovecot's master switches to the vmail user."
for c in mariadbd mariadb-install-db dovecot php openssl setsid runuser; do
	command -v "$c" >/dev/null || die "$c is missing; run tests/env/apt-install.sh."
done
[ -x "$NODE" ] || die "$NODE is missing; run npm install."
# Dovecot's longest socket is STATE_DIR/dovecot/run/replication-notify-fifo; unix socket paths stop at 107 bytes.
[ $((${#STATE} + 45)) -le 107 ] || die "STATE_DIR path is too long for unix sockets (keep it under 62 bytes): $STATE"
# A reused dir would hold an installed database, and cp would nest a second docroot inside the old one.
[ -z "$(ls -A "$STATE")" ] || die "STATE_DIR is not empty; stop it with tests/env/down.sh and wipe it first: $STATE"
for p in "$WP_PORT" "$DB_PORT" "$IMAP_PORT" "$IMAPS_PORT" "$LMTP_PORT" "$SMTP_PORT"; do
	! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || die "port $p is already in use; pick another EPIPE_PORT_BASE (tests/env/free-port-base.sh)."
done

mkdir -p "$LOGS" "$RUN" "$SINK_DIR"
# vmail (Dovecot) and dovecot (auth) must traverse STATE_DIR; mktemp -d creates it 0700.
chmod 755 "$STATE"

# A failed start must not leave daemons holding the ports.
on_exit() {
	local rc=$?
	[ "$rc" -eq 0 ] && return
	local jobs=(${DB_JOB:-} ${WP_JOB:-}) # never a bare `wait`: it would wait for the daemons too
	[ ${#jobs[@]} -eq 0 ] || wait "${jobs[@]}" 2>/dev/null || true # let them record their pids first
	say "failed (rc=$rc); stopping what was started. Logs: $LOGS"
	bash "$HERE/down.sh" "$STATE" || true
}
trap on_exit EXIT
# bash skips the EXIT trap when a signal kills it; turning signals into exits keeps the cleanup.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# spawn PIDFILE LOG CMD...: starts a daemon in its own session, so down.sh can stop it (and php -S's
# workers) as one process group, and a Ctrl-C aimed at the caller's group does not reach it. The child
# records its own pid after setsid, because $! is setsid's pid whenever setsid has to fork.
spawn() {
	local pidfile=$1 log=$2
	shift 2
	setsid sh -c 'echo $$ > "$0"; exec "$@"' "$pidfile" "$@" </dev/null >"$log" 2>&1 &
}

# wait_for NAME PIDFILE LOG CHECK...: polls CHECK for up to 20 s; gives up at once if the daemon died.
wait_for() {
	local name=$1 pidfile=$2 log=$3 deadline=$((SECONDS + 20)) pid
	shift 3
	until "$@" >/dev/null 2>&1; do
		pid=$(cat "$pidfile" 2>/dev/null || true)
		if [ "$SECONDS" -ge "$deadline" ] || { [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; }; then
			say "$name did not come up; last lines of $log:"
			tail -n 20 "$log" >&2 || true
			return 1
		fi
		sleep 0.05
	done
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1"); }

# render TEMPLATE OUT KEY=VALUE...: replaces @KEY@; pure bash, so values may hold / + = (base64, paths).
render() {
	local text kv
	text=$(<"$1")
	for kv in "${@:3}"; do text=${text//@${kv%%=*}@/${kv#*=}}; done
	[[ $text != *@[A-Z_]*@* ]] || die "unfilled placeholder in $1"
	printf '%s\n' "$text" >"$2"
}

# A private tmpdir: once, under two parallel stacks, install-db's temp table vanished from the shared /tmp
# ("Unknown table 'mysql.tmp_user_sys'"); nothing outside STATE_DIR can touch it there.
# EPIPE_DB_STATEMENT_TIMES=1 (the benchmark): the server times every statement in performance_schema,
# for the database time per email; off otherwise, as it costs memory and a little speed.
STATEMENT_TIMES=()
[ "${EPIPE_DB_STATEMENT_TIMES:-0}" != 1 ] || STATEMENT_TIMES=(--performance-schema=ON)

start_mariadb() {
	mkdir -p "$DB/tmp"
	mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$DB/data" --tmpdir="$DB/tmp" \
		--auth-root-authentication-method=normal --skip-test-db >"$LOGS/mariadb-install-db.log" 2>&1 ||
		die "mariadb-install-db failed; see $LOGS/mariadb-install-db.log"
	# A redo log of 512 MB: attachments are stored in the database, and with a small log InnoDB must
	# flush pages to make room in it every few dozen MB written (on the benchmark's mix MariaDB used
	# 5.9-7.8 CPU-s per 1,000 emails with 48 MB, 3.5-3.7 with 512 MB). README, Configuration.
	spawn "$RUN/mariadbd.pid" "$LOGS/mariadbd.out" mariadbd --no-defaults --user="$(id -un)" \
		--datadir="$DB/data" --tmpdir="$DB/tmp" --socket="$DB/mysqld.sock" --pid-file="$DB/mysqld.pid" \
		--port="$DB_PORT" --bind-address=127.0.0.1 --skip-name-resolve --log-error="$LOGS/mariadb-error.log" \
		--innodb-buffer-pool-size=128M --innodb-log-file-size=512M --innodb-flush-log-at-trx-commit=2 --skip-log-bin \
		"${STATEMENT_TIMES[@]}"
	wait_for mariadb "$RUN/mariadbd.pid" "$LOGS/mariadb-error.log" \
		mariadb-admin --no-defaults --socket="$DB/mysqld.sock" -uroot ping
	# --skip-name-resolve: TCP clients match 'wp'@'127.0.0.1', socket clients 'wp'@'localhost'.
	mariadb --no-defaults --socket="$DB/mysqld.sock" -uroot -e "
		CREATE DATABASE IF NOT EXISTS wp CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
		CREATE USER IF NOT EXISTS 'wp'@'127.0.0.1' IDENTIFIED BY 'wp';
		CREATE USER IF NOT EXISTS 'wp'@'localhost' IDENTIFIED BY 'wp';
		GRANT ALL ON wp.* TO 'wp'@'127.0.0.1';
		GRANT ALL ON wp.* TO 'wp'@'localhost';"
}

start_dovecot() {
	local name
	mkdir -p "$DOVE/run" "$DOVE/state" "$DOVE/mail"
	chmod 755 "$DOVE"
	id vmail >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin vmail
	render "$HERE/dovecot.conf.tpl" "$DOVE/dovecot.conf" BASE="$DOVE" LOG_DIR="$LOGS" INSTANCE="epipe-$BASE" \
		IMAP_PORT="$IMAP_PORT" IMAPS_PORT="$IMAPS_PORT" LMTP_PORT="$LMTP_PORT"
	for name in "${MAILBOXES[@]}"; do echo "$name@example.test:{PLAIN}$name-pass::::::"; done >"$DOVE/users"
	chown root:dovecot "$DOVE/users" # the auth process runs as user dovecot
	chmod 640 "$DOVE/users"
	openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=127.0.0.1" \
		-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout "$DOVE/key.pem" -out "$CA_FILE" >"$LOGS/openssl.log" 2>&1
	chown -R vmail:vmail "$DOVE/mail"
	runuser -u vmail -- test -w "$DOVE/mail" ||
		die "user vmail cannot reach $DOVE/mail; every parent of STATE_DIR must be world-searchable (o+x)."
	# Dovecot daemonises but keeps the caller's stdio; without the redirect `up.sh | tee` never ends.
	dovecot -c "$DOVE/dovecot.conf" </dev/null >>"$LOGS/dovecot.out" 2>&1
	wait_for dovecot "$DOVE/run/master.pid" "$LOGS/dovecot.log" port_open "$IMAP_PORT"
	wait_for dovecot "$DOVE/run/master.pid" "$LOGS/dovecot.log" port_open "$LMTP_PORT"
}

start_sink() {
	spawn "$RUN/sink.pid" "$LOGS/sink.log" env SINK_PORT="$SMTP_PORT" SINK_DIR="$SINK_DIR" LMTP_PORT="$LMTP_PORT" \
		"$NODE" "$HERE/smtp-sink.ts"
	wait_for smtp-sink "$RUN/sink.pid" "$LOGS/sink.log" port_open "$SMTP_PORT"
}

# Debian's tree links into /usr/share/javascript, /etc/wordpress etc.; a dereferenced copy plus our own
# wp-config.php keeps /etc/wordpress out and gives every stack its own wp-content.
prepare_wp() {
	local salts=() k
	cp -rL /usr/share/wordpress "$WP_DIR"
	rm -f "$WP_DIR/.htaccess"
	for k in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
		salts+=("$k=$(openssl rand -hex 32)")
	done
	render "$HERE/wp-config.php.tpl" "$WP_DIR/wp-config.php" "${salts[@]}" DB_PORT="$DB_PORT" WP_URL="$WP_URL" \
		WP_DEBUG_LOG="$STATE/wp-debug.log" EPIPE_SECRET_KEY="$(openssl rand -base64 32)" SMTP_PORT="$SMTP_PORT" \
		WP_DIR="$WP_DIR"
	mkdir -p "$WP_DIR/wp-content/mu-plugins" "$WP_DIR/wp-content/uploads"
	cp "$HERE"/mu-plugins/*.php "$WP_DIR/wp-content/mu-plugins/" # test-only glue: wp_mail to the sink, demo connection
	ln -sfn "$REPO" "$WP_DIR/wp-content/plugins/email-piping"
}

install_wp() {
	EPIPE_WP_URL=$WP_URL EPIPE_APP_PASSWORD_FILE=$STATE/wp-app-password EPIPE_STATE_DIR=$STATE \
		EPIPE_IMAP_HOST=127.0.0.1 EPIPE_IMAP_PORT=$IMAP_PORT EPIPE_IMAPS_PORT=$IMAPS_PORT EPIPE_CA_FILE=$CA_FILE \
		EPIPE_SUPPORT_USER=support@example.test EPIPE_SUPPORT_PASSWORD=support-pass EPIPE_SMTP_PORT=$SMTP_PORT \
		php "$HERE/wp-install.php" "$WP_DIR" >"$LOGS/wp-install.log"
}

http_200() ( # HTTP/1.0 by hand, so curl is not needed; a subshell keeps fd 3 out of the script
	exec 3<>"/dev/tcp/127.0.0.1/$WP_PORT"
	printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$1" "$WP_PORT" >&3
	read -r -t 10 _ status _ <&3
	[ "$status" = 200 ]
)

serve_wp() {
	# Workers: without them requests queue and any PHP-to-self request (loopback, REST from PHP) deadlocks.
	PHP_CLI_SERVER_WORKERS=4 spawn "$RUN/php-server.pid" "$LOGS/php-server.log" php -d display_errors=0 \
		-d log_errors=1 -d error_log="$LOGS/php-error.log" -S "127.0.0.1:$WP_PORT" -t "$WP_DIR" "$HERE/router.php"
	wait_for php-server "$RUN/php-server.pid" "$LOGS/php-server.log" http_200 /wp-login.php
}

# MariaDB's install-db and the 58 MB docroot copy are the slow steps (each 0.2-2 s here, depending on
# load); nothing needs them before wp-install, so they run beside Dovecot and the sink.
timed mariadb start_mariadb &
DB_JOB=$!
timed wp-copy prepare_wp &
WP_JOB=$!
timed dovecot start_dovecot
timed sink start_sink
wait "$WP_JOB" || die "Preparing the WordPress docroot failed."
wait "$DB_JOB" || die "MariaDB did not start."
timed wp-inst install_wp
timed php-S serve_wp

js() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\\"}"; }
APP_PASSWORD=$(<"$STATE/wp-app-password")
{
	# EPIPE_WP_CONFIG and EPIPE_DB_* mean what the sidecar reads them as, so `set -a; . stack.env` also
	# points a sidecar at this stack.
	echo "# Written by tests/env/up.sh; source it to reach this stack."
	for kv in EPIPE_STATE_DIR="$STATE" EPIPE_PORT_BASE="$BASE" EPIPE_WP_PORT="$WP_PORT" EPIPE_DB_PORT="$DB_PORT" \
		EPIPE_IMAP_PORT="$IMAP_PORT" EPIPE_IMAPS_PORT="$IMAPS_PORT" EPIPE_LMTP_PORT="$LMTP_PORT" \
		EPIPE_SMTP_PORT="$SMTP_PORT" EPIPE_HOST=127.0.0.1 EPIPE_WP_URL="$WP_URL" EPIPE_WP_DIR="$WP_DIR" \
		EPIPE_WP_CONFIG="$WP_DIR/wp-config.php" EPIPE_WP_DEBUG_LOG="$STATE/wp-debug.log" \
		EPIPE_WP_ADMIN_USER=admin EPIPE_WP_ADMIN_PASSWORD=admin-pass-123 EPIPE_WP_APP_PASSWORD="$APP_PASSWORD" \
		EPIPE_WP_AGENT_USER=agent EPIPE_WP_AGENT_PASSWORD=agent-pass-123 \
		EPIPE_DB_HOST="127.0.0.1:$DB_PORT" EPIPE_DB_NAME=wp EPIPE_DB_USER=wp EPIPE_DB_PASSWORD=wp \
		EPIPE_MYSQL_SOCKET="$DB/mysqld.sock" \
		EPIPE_CA_FILE="$CA_FILE" EPIPE_SINK_DIR="$SINK_DIR" EPIPE_LOGS_DIR="$LOGS"; do
		echo "${kv%%=*}='${kv#*=}'"
	done
	for name in "${MAILBOXES[@]}"; do
		echo "EPIPE_MAIL_${name^^}_USER='$name@example.test'"
		echo "EPIPE_MAIL_${name^^}_PASSWORD='$name-pass'"
	done
} >"$STATE/stack.env"

mailboxes_json=
for name in "${MAILBOXES[@]}"; do
	mailboxes_json+="${mailboxes_json:+, }\"$name\": { \"user\": \"$name@example.test\", \"password\": \"$name-pass\" }"
done
cat >"$STATE/stack.json" <<JSON
{
  "stateDir": $(js "$STATE"),
  "logsDir": $(js "$LOGS"),
  "host": "127.0.0.1",
  "ports": { "wp": $WP_PORT, "mysql": $DB_PORT, "imap": $IMAP_PORT, "imaps": $IMAPS_PORT, "lmtp": $LMTP_PORT, "smtp": $SMTP_PORT },
  "wp": {
    "url": $(js "$WP_URL"), "dir": $(js "$WP_DIR"), "config": $(js "$WP_DIR/wp-config.php"), "debugLog": $(js "$STATE/wp-debug.log"),
    "adminUser": "admin", "adminPassword": "admin-pass-123", "appPassword": $(js "$APP_PASSWORD"),
    "agentUser": "agent", "agentPassword": "agent-pass-123"
  },
  "db": { "host": "127.0.0.1", "port": $DB_PORT, "name": "wp", "user": "wp", "password": "wp", "socket": $(js "$DB/mysqld.sock"), "tablePrefix": "wp_" },
  "imap": { "host": "127.0.0.1", "port": $IMAP_PORT, "imapsPort": $IMAPS_PORT, "caFile": $(js "$CA_FILE") },
  "mailboxes": { $mailboxes_json },
  "smtp": { "host": "127.0.0.1", "port": $SMTP_PORT, "sinkDir": $(js "$SINK_DIR") }
}
JSON

t=$(($(now_ms) - T0))
say "$(printf 'ready in %d.%03d s: %s (facts in %s)' $((t / 1000)) $((t % 1000)) "$WP_URL" "$STATE/stack.env")"
