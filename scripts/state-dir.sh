# Sourced by start.sh and test.sh. Server sockets live in the state dir and unix socket paths are
# limited to about 100 bytes, so a stack's state lives in a short temporary folder; the checkout
# keeps a pointer per run (.state/NAME.PID.path) to find and stop it again.

# stop_previous NAME: stops and removes the stacks of earlier runs whose process is gone (killed,
# crashed). Runs still in progress, e.g. a second `npm test` in the same checkout, are left alone.
stop_previous() {
	local pointer pid old
	for pointer in .state/"$1".*.path; do
		[ -e "$pointer" ] || continue
		pid=${pointer%.path}
		pid=${pid##*.}
		kill -0 "$pid" 2>/dev/null && continue
		old=$(cat "$pointer" 2>/dev/null || true)
		if [ -n "$old" ] && [ -d "$old" ]; then
			bash tests/env/down.sh "$old"
			rm -rf "$old"
		fi
		rm -f "$pointer"
	done
}

# new_state_dir NAME: prints a fresh, empty state folder and records it for this run.
new_state_dir() {
	local dir
	mkdir -p .state
	dir=$(mktemp -d "${TMPDIR:-/tmp}/epipe-$1.XXXXXX")
	echo "$dir" >".state/$1.$$.path"
	echo "$dir"
}

# forget_state_dir NAME DIR: removes a run's stack folder and its pointer.
forget_state_dir() {
	rm -rf "$2" ".state/$1.$$.path"
}
