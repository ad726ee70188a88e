#!/usr/bin/env bash
# The desk's conversation search: 10,000 seeded support messages in 1,000 conversations on a fresh
# SQLite file and (when TEST_POSTGRES_URL or the default local PostgreSQL answers) a fresh
# PostgreSQL schema; p50/p99 of the searches the desk makes (a page of 50 and its total).
#
#   scripts/bench-search.sh
#   SEARCH_MESSAGES=50000 SEARCH_RUNS=50 scripts/bench-search.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p store --bin search-bench
"${CARGO_TARGET_DIR:-target}/release/search-bench" --messages "${SEARCH_MESSAGES:-10000}" \
  --conversations "${SEARCH_CONVERSATIONS:-1000}" --runs "${SEARCH_RUNS:-100}"
