#!/usr/bin/env bash
# Every test: formatting and lints, unit and integration tests (SQLite and PostgreSQL), then the
# Playwright browser tests against a freshly built server. Exits non-zero on any failure.
#
# PostgreSQL: TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test). Its tests
# fail when it is unreachable and REQUIRE_POSTGRES=1 (the default under CI); elsewhere they say
# loudly that they were skipped. Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379) is the
# same with REQUIRE_REDIS.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n\033[1;34m[test]\033[0m %s\n' "$*"; }

if [ -n "${CI:-}" ]; then
  export REQUIRE_POSTGRES="${REQUIRE_POSTGRES:-1}"
  # CI runs Redis too (127.0.0.1:6379): the shared-limit test must not skip there.
  export REQUIRE_REDIS="${REQUIRE_REDIS:-1}"
fi

scripts/setup.sh --browser --checks

# The server's own feature set, so tests, lints and the e2e build share compiled artifacts.
crates=(-p domain -p store -p markdown -p docparse -p llm-embedded -p embedding-classifier -p llm -p kb -p support -p imagegen -p vision -p gpt -p voice -p app -p server --features app/ssr,gpt/service)

log "cargo fmt --check"
cargo fmt --all --check

# The layer rule (docs/ARCHITECTURE.md): the service layer knows nothing of HTTP.
log "layers: server/src/services imports no axum and nothing from http/"
if grep -rnE '(^|[^a-z_])axum::|use axum|crate::http' server/src/services; then
  echo "server/src/services must not use axum or crate::http (see docs/ARCHITECTURE.md)" >&2
  exit 1
fi

# No module of a crate depends on another that depends back on it (docs/ARCHITECTURE.md).
log "module cycles: none in any crate"
python3 scripts/module_cycles.py server/src app/src frontend/src crates/*/src

# What may be in the dependency tree: licences, one TLS stack and HTTP client, registries.
log "cargo deny check bans licenses sources (deny.toml)"
cargo deny check bans licenses sources

log "cargo clippy (server side, then the WASM front end)"
cargo clippy "${crates[@]}" --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

log "unit and integration tests"
cargo test "${crates[@]}" --lib --bins --tests 2>&1 | tee "$logs/cargo.log"
rust_passed=$(grep -oE 'test result: ok\. [0-9]+ passed' "$logs/cargo.log" | awk '{ n += $4 } END { print n + 0 }')

# The public scenarios (tuned against) must all pass. The holdout (eval/support/holdout, never
# tuned against: only its totals are printed) is gated at the rate reached so far,
# HOLDOUT_MIN_RATE, so it cannot slip back; the target is 90% (docs/support-eval.md).
log "support agent evaluation: every public scenario must pass; the holdout prints totals only"
cargo build "${crates[@]}" --bin support-eval
"${CARGO_TARGET_DIR:-target}/debug/support-eval" --min-pass-rate 100 eval/support 2>&1 | tee "$logs/eval.log"
eval_rate=$(grep -E '^ALL ' "$logs/eval.log" | awk '{ print $4 }')
"${CARGO_TARGET_DIR:-target}/debug/support-eval" --totals-only --min-pass-rate "${HOLDOUT_MIN_RATE:-90}" \
  eval/support/holdout 2>&1 | tee "$logs/holdout.log"
holdout_rate=$(grep -E '^ALL ' "$logs/holdout.log" | awk '{ print $4 }')

log "browser tests (Playwright on Debian's Chromium)"
scripts/build.sh --dev
node_modules/.bin/playwright test -c end2end/playwright.config.ts 2>&1 | tee "$logs/e2e.log"
e2e_passed=$(grep -oE '^ +[0-9]+ passed' "$logs/e2e.log" | awk '{ n += $1 } END { print n + 0 }')

# The OpenAPI document against the server that serves it, from outside (Schemathesis).
log "API contract: Schemathesis against /api/v1/openapi.json"
scripts/contract.sh 2>&1 | tee "$logs/contract.log"
contract=$(grep -E '^contract: ' "$logs/contract.log" | tail -n 1)

echo
echo "rust: $rust_passed passed, 0 failed"
echo "browser: $e2e_passed passed, 0 failed"
echo "$contract"
echo "support eval (offline planner): $eval_rate of the public scenarios, $holdout_rate of the holdout"
echo "total: $((rust_passed + e2e_passed)) passed, 0 failed"
