#!/usr/bin/env bash
# The REST API's contract, checked from outside: Schemathesis (PyPI, the version pinned below, in
# the virtualenv `scripts/setup.sh --checks` creates) generates requests from
# /api/v1/openapi.json and runs every check it has against a fresh server, with a fixed seed and
# a bounded number of cases per operation, stateful phase included. Any finding fails.
#
#   scripts/contract.sh              the server scripts/build.sh built (debug), port 3310
#   CONTRACT_EXAMPLES=200 scripts/contract.sh   more cases per operation
#
# The server runs on a temporary SQLite file and folders, with an administrator who creates one
# API key with every scope and a rate far above what the run sends.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n\033[1;34m[contract]\033[0m %s\n' "$*"; }

venv="${SCHEMATHESIS_VENV:-$HOME/.cache/ai-portfolio/schemathesis-venv}"
[ -x "$venv/bin/schemathesis" ] || scripts/setup.sh --checks
binary="${CONTRACT_SERVER_BIN:-${CARGO_TARGET_DIR:-target}/debug/ai-portfolio}"
port="${CONTRACT_PORT:-3310}"
base="http://127.0.0.1:$port"
examples="${CONTRACT_EXAMPLES:-100}"
seed="${CONTRACT_SEED:-20261201}"
admin_email="contract-admin@store.example"
admin_password="contract admin password"

work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

log "starting $binary on port $port"
PORT="$port" HOST=127.0.0.1 DATABASE_URL="sqlite://$work/contract.db?mode=rwc" \
  SITE_ROOT=target/site-dev MODELS_DIR="$PWD/models" KB_DIR="$work/kb" IMAGES_DIR="$work/images" \
  CLASSIFIER_DIR="$work/classifier" LOG_LEVEL=warn OPENAI_API_KEY= \
  ADMIN_EMAIL="$admin_email" ADMIN_PASSWORD="$admin_password" ADMIN_NAME="Contract Admin" \
  "$binary" >"$work/server.log" 2>&1 &
server_pid=$!

# Ready when the knowledge base has loaded (uploads answer 503 before then).
for _ in $(seq 1 240); do
  if curl -fsS "$base/health/ready" 2>/dev/null | grep -q '"knowledge_base":{"state":"ready"'; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$work/server.log" >&2
    echo "contract: the server stopped before it was ready" >&2
    exit 1
  fi
  sleep 0.5
done
curl -fsS "$base/health/ready" | grep -q '"knowledge_base":{"state":"ready"' || {
  echo "contract: the knowledge base did not load in 120 s" >&2
  exit 1
}

jar="$work/cookies"
curl -fsS -c "$jar" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$admin_email\",\"password\":\"$admin_password\"}" "$base/api/desk/login" >/dev/null
key=$(curl -fsS -b "$jar" -H 'Content-Type: application/json' \
  -d '{"name":"schemathesis","rate_per_minute":100000,"scopes":["messages:write","conversations:read","kb:write","jobs:read","customers:privacy"]}' \
  "$base/api/desk/api-keys" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')

log "schemathesis $("$venv/bin/schemathesis" --version | awk '{print $NF}'): $examples cases per operation, seed $seed, every check (scripts/schemathesis.toml), stateful phase on"
status=0
"$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run "$base/api/v1/openapi.json" \
  --header "Authorization: Bearer $key" \
  --phases examples,coverage,fuzzing,stateful \
  --max-examples "$examples" \
  --seed "$seed" \
  --workers 1 \
  --request-timeout 60 \
  --report junit --report-dir "$work/report" \
  --suppress-health-check too_slow \
  2>&1 | tee "$work/run.log" || status=$?

if [ "$status" != 0 ]; then
  echo "contract: Schemathesis reported findings (above). The server's log:" >&2
  tail -n 40 "$work/server.log" >&2
  exit "$status"
fi
cases=$(grep -oE '[0-9]+ generated' "$work/run.log" | tail -n 1 | grep -oE '[0-9]+' || echo "?")
echo "contract: $cases test cases generated, 0 findings"
