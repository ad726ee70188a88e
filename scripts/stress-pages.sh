#!/usr/bin/env bash
# Stress for the server-side render that never answered (leptos issue #4773, fixed in http::router):
# runs the `pages` test binary three at a time for ROUNDS rounds and lists the runs that hung or
# failed. Build it first (`cargo test ... --test pages --no-run`, as scripts/test.sh does).
set -uo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
bin=$(ls -t "$target"/debug/deps/pages-* 2>/dev/null | grep -v '\.d$' | head -1)
[ -n "$bin" ] || { echo "no pages test binary under $target/debug/deps; build the tests first" >&2; exit 2; }
rounds="${ROUNDS:-10}"
logs=$(mktemp -d)
for i in $(seq 1 "$rounds"); do
  for j in 1 2 3; do timeout 200 "$bin" > "$logs/run_${i}_${j}.log" 2>&1 & done
  wait
done
hung=$(grep -L "test result: ok" "$logs"/run_*.log | wc -l)
echo "runs: $((rounds * 3)), hung or failed: $hung (logs in $logs)"
[ "$hung" -eq 0 ]
