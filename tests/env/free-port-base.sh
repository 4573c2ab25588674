#!/usr/bin/env bash
# Prints a random port base B (a multiple of 10 in 20000-59990) with B..B+9 all unused on this machine,
# so parallel stacks (and other projects' servers) don't collide. It is a snapshot: whoever binds first wins,
# which is why up.sh checks its ports again before starting anything.
set -euo pipefail

for _ in $(seq 1 50); do
	b=$((20000 + (RANDOM % 4000) * 10))
	if command -v ss >/dev/null; then
		# Every TCP socket, not only listeners: an outgoing connection's local port blocks bind() as well.
		ss -Htan | awk -v lo="$b" -v hi="$((b + 9))" '{ n = split($4, a, ":"); p = a[n] + 0; if (p >= lo && p <= hi) f = 1 } END { exit f }' || continue
	else
		busy=0
		for p in $(seq "$b" $((b + 9))); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then busy=1 && break; fi
		done
		[ "$busy" = 0 ] || continue
	fi
	echo "$b"
	exit 0
done
echo "free-port-base: no free block of 10 ports found in 50 tries" >&2
exit 1
