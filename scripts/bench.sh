#!/usr/bin/env bash
# `npm run bench [-- --quick]`: the ingestion benchmark on its own private stack (MariaDB, Dovecot,
# WordPress), stopped at the end. The last line of output is one JSON object.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=scripts/state-dir.sh
. scripts/state-dir.sh

bash scripts/setup.sh
PATH="$ROOT/node_modules/.bin:$PATH"
export PATH

stop_previous bench
STATE=$(new_state_dir bench)
trap 'bash tests/env/down.sh "$STATE"; forget_state_dir bench "$STATE"' EXIT
EPIPE_DB_STATEMENT_TIMES=1 EPIPE_PORT_BASE=$(bash tests/env/free-port-base.sh) bash tests/env/up.sh "$STATE" >"$ROOT/.state/bench-up.log" 2>&1 || {
	cat "$ROOT/.state/bench-up.log" >&2
	exit 1
}
set -a
# shellcheck disable=SC1091
. "$STATE/stack.env"
set +a
node --disable-warning=ExperimentalWarning tests/bench/bench.ts "$@"
