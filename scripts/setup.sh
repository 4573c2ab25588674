#!/usr/bin/env bash
# Everything `npm start` and `npm test` need on a fresh Debian machine: Debian packages (as root),
# node_modules (npm ci, skipped while package-lock.json is unchanged) and the admin build.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "[setup] $*" >&2; }

bash tests/env/apt-install.sh

# The lock file's hash is noted after each install: while it is unchanged, the tree is current and a
# second `npm ci` (about a minute) is skipped.
stamp=node_modules/.epipe-lock.sha256
if [ "$(sha256sum package-lock.json | cut -d' ' -f1)" != "$(cat "$stamp" 2>/dev/null)" ]; then
	say "installing node_modules (npm ci)"
	npm ci --no-audit --no-fund --loglevel=error
	sha256sum package-lock.json | cut -d' ' -f1 >"$stamp"
fi

# The project's scripts run on the Node pinned in devDependencies (node_modules/.bin/node).
if ! node_modules/.bin/node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)'; then
	echo "[setup] node_modules/.bin/node is not Node 22+; remove node_modules and run again." >&2
	exit 1
fi

if [ ! -f admin/build/index.asset.php ] || [ -n "$(find admin/src admin/tsconfig.json package-lock.json -newer admin/build/index.asset.php -print -quit)" ]; then
	say "building the admin bundle"
	PATH="$PWD/node_modules/.bin:$PATH" bash scripts/build.sh >/dev/null
fi
