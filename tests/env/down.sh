#!/usr/bin/env bash
# Stops the stack that tests/env/up.sh started under STATE_DIR, using only the pids it recorded, so other
# stacks and unrelated processes are never touched. Idempotent; silent unless something refuses to stop.
# Usage: tests/env/down.sh STATE_DIR
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 STATE_DIR" >&2; exit 2; }
STATE=$1
RUN=$STATE/run
[ -d "$STATE" ] || exit 0

# ours PID WORD: PID's command line contains WORD. A state dir can outlive its processes (CI reuses /tmp),
# and by then the recorded pid may belong to something else. (Not /proc/PID/comm: Node 24 renames its
# main thread to "MainThread".)
ours() { [ -n "$1" ] && [[ "$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline")" == *"$2"* ]]; }

# live PID|-PGID: the process (or some process of the group) still runs. Zombies don't count: this
# machine's init reaps orphans only every second or two, and a zombie holds no port and no file.
live() {
	local f s a
	if [ "${1#-}" = "$1" ]; then
		read -r s 2>/dev/null <"/proc/$1/stat" || return 1
		a=(${s##*) }) # state ppid pgrp ...: comm, which may hold spaces, ends at the last ')'
		[ "${a[0]}" != Z ]
		return
	fi
	for f in /proc/[0-9]*/stat; do
		read -r s 2>/dev/null <"$f" || continue
		a=(${s##*) })
		[ "${a[2]}" != "${1#-}" ] || [ "${a[0]}" = Z ] || return 0
	done
	return 1
}

# gone TARGET: waits up to 15 s for a pid (or -pgid) to stop, then SIGKILLs it.
gone() {
	local i
	for i in $(seq 1 300); do
		live "$1" || return 0
		sleep 0.02
	done
	kill -KILL -- "$1" 2>/dev/null || true
	sleep 0.2
	! live "$1" || { echo "[down] $1 survived SIGKILL" >&2; return 1; }
}

waits=()
rc=0

# php -S with workers: the parent's death would orphan the workers, so signal the whole process group.
# A group whose leader has exited is still ours: Linux does not hand out a pid while it names a live group.
pg=$(cat "$RUN/php-server.pid" 2>/dev/null || true)
if [ -n "$pg" ] && { ! kill -0 "$pg" 2>/dev/null || ours "$pg" router.php; } && kill -TERM -- "-$pg" 2>/dev/null; then
	waits+=("-$pg")
fi

pid=$(cat "$RUN/sink.pid" 2>/dev/null || true)
if ours "$pid" smtp-sink.ts && kill -TERM "$pid" 2>/dev/null; then waits+=("$pid"); fi

pid=$(cat "$STATE/dovecot/run/master.pid" 2>/dev/null || true)
# SIGTERM to the master is what `dovecot stop` sends, but `dovecot stop` then waits until the pid is
# gone, and here the exited master lingers as a zombie for 2-3 s until init reaps it.
if ours "$pid" "$STATE/dovecot/dovecot.conf" && kill -TERM "$pid" 2>/dev/null; then waits+=("$pid"); fi

pid=$(cat "$RUN/mariadbd.pid" 2>/dev/null || true)
if ours "$pid" mariadbd && kill -TERM "$pid" 2>/dev/null; then waits+=("$pid"); fi

# Signal everything first and wait afterwards: the shutdowns overlap.
for target in "${waits[@]}"; do gone "$target" || rc=1; done
[ "$rc" -ne 0 ] || rm -f "$RUN"/*.pid
exit "$rc"
