#!/usr/bin/env bash
# Knowledge-base ingest throughput: a generated 1 MB Markdown document parsed, cut into
# heading-aware overlapping chunks, embedded with MiniLM (in process) and upserted into an
# embedded Qdrant, as a dashboard upload is. Release build; prints each phase and chunks/s.
#
#   scripts/bench-ingest.sh                 1 MB, all cores
#   INGEST_MB=2 INGEST_THREADS=1 scripts/bench-ingest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
cargo build --release -p kb --bin kb-ingest-bench
"${CARGO_TARGET_DIR:-target}/release/kb-ingest-bench" --models "${MODELS_DIR:-models}" \
  --size-mb "${INGEST_MB:-1}" --threads "${INGEST_THREADS:-$(nproc)}"
