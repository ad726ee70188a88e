#!/usr/bin/env bash
# Support stack figures on a release build: offline agent turn latency, MiniLM sentences/s, and
# Qdrant search p50/p99 on the knowledge base and on 10,000 synthetic chunks. Set QDRANT_URL
# (and QDRANT_API_KEY) to measure a Qdrant server through qdrant-client as well.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fetch-models.sh
cargo build --release -p support --bin support-bench
"${CARGO_TARGET_DIR:-target}/release/support-bench"
