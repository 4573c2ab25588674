# Sourced by start.sh and test.sh. Server sockets live in the state dir and unix socket paths are
# limited to about 100 bytes, so a stack's state lives in a short temporary folder, and the
# checkout only keeps a pointer to it (.state/NAME.path) to find and stop it again.

# stop_previous NAME: stops and removes the stack a previous run left behind (killed, crashed).
stop_previous() {
	local pointer=.state/$1.path old
	old=$(cat "$pointer" 2>/dev/null || true)
	if [ -n "$old" ] && [ -d "$old" ]; then
		bash tests/env/down.sh "$old"
		rm -rf "$old"
	fi
	rm -f "$pointer"
}

# new_state_dir NAME: prints a fresh, empty state folder and records it.
new_state_dir() {
	local dir
	mkdir -p .state
	dir=$(mktemp -d "${TMPDIR:-/tmp}/epipe-$1.XXXXXX")
	echo "$dir" >".state/$1.path"
	echo "$dir"
}
