#!/usr/bin/env bash
# Bounded load on a release build: streaming support chats, streaming pirate chats on the
# embedded model, image classifier uploads and page fetches at once, with the server's RSS
# sampled every second. Prints p50/p99 and errors per kind; exits non-zero on any error.
#
#   scripts/load.sh                   60 s (LOAD_SECONDS), 16 support chats, 2 pirate chats,
#                                     2 classifier clients, 2 Custom GPT clients, 4 page clients
#   LOAD_SOAK=1 LOAD_SECONDS=600 scripts/load.sh     a 10-minute soak, RSS printed every minute
set -euo pipefail
cd "$(dirname "$0")/.."

port="${LOAD_PORT:-3420}"
scripts/setup.sh >/dev/null
scripts/build.sh --release >/dev/null
bin="${CARGO_TARGET_DIR:-target}/release/ai-portfolio"
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

# The rate limit is per client and everything here is one client: lifted for the run.
PORT="$port" HOST=127.0.0.1 DATABASE_URL="sqlite://$work/load.db?mode=rwc" KB_DIR="$work/qdrant" \
  IMAGES_DIR="$work/images" CLASSIFIER_DIR="$work/classifier" CHAT_RATE_PER_MINUTE=100000 LOG_LEVEL=warn RUST_BACKTRACE=1 "$bin" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
if ! curl -sf "http://127.0.0.1:$port/health" >/dev/null; then
  echo "load: the server did not start; its log:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
# Wait for the knowledge base and the classifier, so every request meets the full app.
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/health/ready" | python3 -c '
import json, sys
c = json.load(sys.stdin)["components"]
sys.exit(0 if c["knowledge_base"].get("state") == "ready" and c["image_classifier"].get("state") == "ready" else 1)
' && break
  sleep 1
done

status=0
LOAD_BASE="http://127.0.0.1:$port" LOAD_PID="$pid" node scripts/load.mjs || status=$?
panics=$(grep -c 'panicked' "$work/server.log" || true)
printf 'server_log_panics %s\n' "$panics"
if [ "$panics" != 0 ]; then
  # The first panic with its backtrace (RUST_BACKTRACE=1 is set for the server below).
  grep -m1 -A60 'panicked' "$work/server.log" >&2
  status=1
fi
exit $status
