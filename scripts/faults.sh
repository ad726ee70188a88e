#!/usr/bin/env bash
# Fault scenarios with their checks asserted (scripts/faults.py says what each does): a
# PostgreSQL restart under load, a start while it is down, an unreachable Qdrant, SIGTERM while
# replies stream, a failing and a hanging OpenAI-compatible server (a FAKE: the
# real cloud cannot fail on demand), and SIGKILL while orders are placed. Needs the local
# PostgreSQL (FAULTS_PG, default postgres://postgres@127.0.0.1:5432) and the right to restart it
# (pg_ctlcluster, as root). Uses the release build when present (FAULTS_BIN to choose).
#
#   scripts/faults.sh                       every scenario
#   scripts/faults.sh kill-orders           one
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
bin="${FAULTS_BIN:-}"
if [ -z "$bin" ]; then
  if [ -x "$target/release/ai-portfolio" ]; then bin="$target/release/ai-portfolio"; else
    cargo build --quiet -p server --features app/ssr
    bin="$target/debug/ai-portfolio"
  fi
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== faults ($(date -u +%Y-%m-%dT%H:%MZ), $(basename "$(dirname "$bin")") build)"
FAULTS_BIN="$bin" FAULTS_WORK="$work" python3 -u scripts/faults.py "$@"
