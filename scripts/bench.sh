#!/usr/bin/env bash
# Prints the foundation's figures: WASM size (the main module raw and gzip, the page chunks), server idle RSS, and latency
# percentiles and throughput of GET / and the Data Views orders page under load from wrk, a
# second process on 127.0.0.1. Bounded: each load run lasts BENCH_SECONDS (default 10).
#
#   scripts/bench.sh            release build, then measure
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${BENCH_SECONDS:-10}"
connections="${BENCH_CONNECTIONS:-16}"
port="${BENCH_PORT:-3400}"

if ! command -v wrk >/dev/null; then
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq wrk >/dev/null
fi
scripts/setup.sh >/dev/null
scripts/build.sh --release >/dev/null

bin="${CARGO_TARGET_DIR:-target}/release/ai-portfolio"
wasm="target/site/pkg/ai-portfolio_bg.wasm"
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

PORT="$port" HOST=127.0.0.1 DATABASE_URL="sqlite://$work/bench.db?mode=rwc" LOG_LEVEL=warn "$bin" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/" >/dev/null
sleep 1

raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
# The per-page chunks (scripts/build.sh splits the front end): how many, and all of them together.
chunks=$(find target/site/pkg -name '*.wasm' ! -name 'ai-portfolio_bg.wasm' | wc -l)
chunks_gz=$(find target/site/pkg -name '*.wasm' ! -name 'ai-portfolio_bg.wasm' -exec sh -c 'gzip -9 -c "$1" | wc -c' _ {} \; | awk '{ n += $1 } END { print n + 0 }')
rss_idle=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
echo "== AI Portfolio benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, ${seconds}s x ${connections} connections per URL)"
printf 'wasm_main_bytes_raw   %s\n' "$raw"
printf 'wasm_main_bytes_gzip  %s\n' "$gz"
printf 'wasm_chunks           %s (%s B gzip in all; scripts/bench-web.sh gives the bytes per page)\n' "$chunks" "$chunks_gz"
printf 'server_idle_rss_kib %s\n' "$rss_idle"

for path in "/" "/data?tab=orders"; do
  out=$(wrk -t1 -c"$connections" -d"${seconds}s" --latency "http://127.0.0.1:$port$path")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
  printf 'GET %-18s p50 %-9s p99 %-9s req/s %-9s %s\n' "$path" "$p50" "$p99" "$rps" "${errors:-errors 0}"
done
printf 'server_rss_after_load_kib %s\n' "$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")"
# Leptos can panic in a render task whose client has already gone (wrk cuts its connections at
# the end of each run); counted here so the figure is visible, see docs/benchmarks.md.
printf 'render_task_panics_after_client_abort %s\n' "$(grep -c 'panicked' "$work/server.log" || true)"
