#!/usr/bin/env bash
# Builds the admin bundle (wp-scripts cleans its output folder, so each bundle has its own).
set -euo pipefail
cd "$(dirname "$0")/.."
wp-scripts build index=./admin/src/index.tsx --output-path=admin/build
