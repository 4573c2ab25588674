#!/usr/bin/env bash
# `npm test`: set-up, lint and type-check, unit tests, then integration and browser tests against a
# private stack (MariaDB, Dovecot, SMTP capture, WordPress) on random loopback ports, stopped at the
# end even when a test fails. Ends with one line "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOG=$ROOT/.state/test-output.log
# shellcheck source=scripts/state-dir.sh
. scripts/state-dir.sh

now() { date +%s; }
T0=$(now)
phase() { echo "== $* ($(($(now) - T0)) s)" >&2; }

phase setup
bash scripts/setup.sh
PATH="$ROOT/node_modules/.bin:$PATH"
export PATH

phase lint and type-check
bash scripts/lint.sh

# A previous run may have been killed before it cleaned up.
stop_previous test
STATE=$(new_state_dir test)
: >"$LOG"

phase unit tests
set +e
node --disable-warning=ExperimentalWarning --test --test-reporter=spec 'tests/unit/**/*.test.ts' 2>&1 | tee -a "$LOG"
unit_rc=${PIPESTATUS[0]}
set -e

phase starting the stack
cleanup() {
	bash tests/env/down.sh "$STATE"
	# Keep the servers' logs in the checkout for a look after a failure; the stack itself goes.
	rm -rf .state/test-logs && mkdir -p .state/test-logs
	cp -r "$STATE/logs/." "$STATE/wp-debug.log" .state/test-logs/ 2>/dev/null || true
	# A failed browser test leaves its trace and screenshot (npx playwright show-trace <file>).
	cp -r "$STATE/playwright" .state/test-logs/ 2>/dev/null || true
	forget_state_dir test "$STATE"
}
trap cleanup EXIT
EPIPE_PORT_BASE=$(bash tests/env/free-port-base.sh) bash tests/env/up.sh "$STATE" >"$ROOT/.state/test-up.log" 2>&1 || {
	cat "$ROOT/.state/test-up.log" >&2
	exit 1
}
set -a
# shellcheck disable=SC1091
. "$STATE/stack.env"
set +a

phase integration tests
set +e
node --disable-warning=ExperimentalWarning --test --test-concurrency=1 --test-reporter=spec 'tests/integration/*.test.ts' 2>&1 | tee -a "$LOG"
integration_rc=${PIPESTATUS[0]}

phase browser tests
playwright test -c tests/e2e/playwright.config.ts 2>&1 | tee -a "$LOG"
e2e_rc=${PIPESTATUS[0]}

phase benchmark smoke run
node --disable-warning=ExperimentalWarning tests/bench/bench.ts --quick
bench_rc=$?
set -e

# Node's runner ends with "ℹ pass N" / "ℹ fail N", Playwright with "N passed" / "N failed".
summary=$(awk '/^ℹ pass [0-9]+$/ { p += $3 } /^ℹ fail [0-9]+$/ { f += $3 }
	/^ +[0-9]+ passed/ { p += $1 } /^ +[0-9]+ failed/ { f += $1 }
	END { printf "%d passed, %d failed", p, f }' "$LOG")
phase done
echo "tests: $summary"
[ "$unit_rc" = 0 ] && [ "$integration_rc" = 0 ] && [ "$e2e_rc" = 0 ] && [ "$bench_rc" = 0 ]
