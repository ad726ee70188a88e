#!/usr/bin/env bash
# Bounded load on a release build: streaming support chats, streaming pirate chats on the
# embedded model, image classifier uploads and page fetches at once, with the server's RSS
# sampled every second. Prints p50/p99 and errors per kind; exits non-zero on any error.
#
#   scripts/load.sh                   60 s (LOAD_SECONDS), 16 support chats, 2 pirate chats,
#                                     2 classifier clients, 2 Custom GPT clients, 4 page clients
#   LOAD_SOAK=1 LOAD_SECONDS=600 scripts/load.sh     a 10-minute soak, RSS printed every minute
#   LOAD_INSTANCES=2 scripts/load.sh  two instances on one fresh PostgreSQL database (psql on
#                                     LOAD_POSTGRES_URL or TEST_POSTGRES_URL), every request to
#                                     the next instance in turn: 100 support chats, classifier,
#                                     pages, and the handoff round trip across the instances
set -euo pipefail
cd "$(dirname "$0")/.."

port="${LOAD_PORT:-3420}"
instances="${LOAD_INSTANCES:-1}"
scripts/setup.sh >/dev/null
scripts/build.sh --release >/dev/null
bin="${CARGO_TARGET_DIR:-target}/release/ai-portfolio"
work=$(mktemp -d)
pids=()
database_url="sqlite://$work/load.db?mode=rwc"
pg_admin="${LOAD_POSTGRES_URL:-${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}}"
pg_db=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$pg_db" ]; then psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Several instances share one PostgreSQL database (a fresh one, dropped afterwards); one
# instance runs on SQLite as the default run does.
if [ "$instances" -gt 1 ]; then
  pg_db="load_$$"
  psql "$pg_admin" -qc "CREATE DATABASE $pg_db" >/dev/null
  database_url="${pg_admin%/*}/$pg_db"
fi

bases=()
for i in $(seq 0 $((instances - 1))); do
  p=$((port + i))
  mkdir -p "$work/$i"
  # The rate limit is per client and everything here is one client: lifted for the run.
  PORT="$p" HOST=127.0.0.1 DATABASE_URL="$database_url" KB_DIR="$work/$i/qdrant" \
    IMAGES_DIR="$work/$i/images" CLASSIFIER_DIR="$work/$i/classifier" CHAT_RATE_PER_MINUTE=100000 \
    ADMIN_EMAIL=load@store.example ADMIN_PASSWORD="load test password" ADMIN_NAME="Load Test" \
    LOG_LEVEL=warn RUST_BACKTRACE=1 "$bin" >"$work/server-$i.log" 2>&1 &
  pids+=("$!")
  bases+=("http://127.0.0.1:$p")
  # The first instance migrates and seeds alone before the next one starts.
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$p/health" >/dev/null && break; sleep 0.1; done
  if ! curl -sf "http://127.0.0.1:$p/health" >/dev/null; then
    echo "load: instance $i did not start; its log:" >&2
    cat "$work/server-$i.log" >&2
    exit 1
  fi
done
# Wait for the knowledge base and the classifier, so every request meets the full app.
for b in "${bases[@]}"; do
  for _ in $(seq 1 120); do
    curl -sf "$b/health/ready" | python3 -c '
import json, sys
c = json.load(sys.stdin)["components"]
sys.exit(0 if c["knowledge_base"].get("state") == "ready" and c["image_classifier"].get("state") == "ready" else 1)
' && break
    sleep 1
  done
done

status=0
base_list=$(IFS=,; echo "${bases[*]}")
pid_list=$(IFS=,; echo "${pids[*]}")
if [ "$instances" -gt 1 ]; then
  export LOAD_SUPPORT_CHATS="${LOAD_SUPPORT_CHATS:-100}" LOAD_PIRATE_CHATS="${LOAD_PIRATE_CHATS:-0}" \
    LOAD_GPT_CLIENTS="${LOAD_GPT_CLIENTS:-0}" LOAD_HANDOFF=1 \
    LOAD_ADMIN_EMAIL=load@store.example LOAD_ADMIN_PASSWORD="load test password"
fi
LOAD_BASE="$base_list" LOAD_PID="$pid_list" node scripts/load.mjs || status=$?
panics=$(cat "$work"/server-*.log | grep -c 'panicked' || true)
printf 'server_log_panics %s\n' "$panics"
if [ "$panics" != 0 ]; then
  # The first panic with its backtrace (RUST_BACKTRACE=1 is set for the servers above).
  cat "$work"/server-*.log | grep -m1 -A60 'panicked' >&2
  status=1
fi
exit $status
