#!/usr/bin/env bash
# One command from a fresh clone to a running app on http://127.0.0.1:3000 (PORT to change).
# Installs what is missing, builds in release mode, then serves. No database or key needed:
# the store is a SQLite file under ./data, created and seeded on first start.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh --release
exec "${CARGO_TARGET_DIR:-target}/release/ai-portfolio"
