#!/usr/bin/env bash
# Lint and type-check everything: ESLint (WordPress rules + wp-prettier) for TypeScript, php -l for PHP,
# tsc in strict mode for the sidecar, the tests, the browser specs (tests/e2e) and the admin.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$PWD/node_modules/.bin:$PATH"

wp-scripts lint-js admin/src sidecar tests scripts blocks
bad=0
while IFS= read -r -d '' f; do
	php -l "$f" >/dev/null || bad=1
done < <(find plugin.php uninstall.php includes blocks tests/env -name '*.php' -print0)
[ "$bad" = 0 ] || { echo "[lint] PHP syntax errors above" >&2; exit 1; }
tsc -p sidecar/tsconfig.json
tsc -p tests/e2e/tsconfig.json
tsc -p admin/tsconfig.json
# The translation template must list every string the sources have (run `npm run i18n` after changing one).
node --disable-warning=ExperimentalWarning scripts/i18n.ts --check
