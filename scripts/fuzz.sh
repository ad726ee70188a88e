#!/usr/bin/env bash
# Runs each fuzz target for a bounded time and prints executions and findings per target.
# cargo-fuzz (libFuzzer) from crates.io; the stable toolchain is told to accept libFuzzer's
# unstable flags (RUSTC_BOOTSTRAP), and no sanitizer runs (safe Rust: the findings sought are
# panics, hangs and runaway allocations). Crashes land in fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh                 every target, FUZZ_SECONDS (60) each
#   scripts/fuzz.sh image_decode    one target
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${FUZZ_SECONDS:-60}"
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)

status=0
for target in "${targets[@]}"; do
  corpus="corpus/$target"
  mkdir -p "$corpus" "artifacts/$target"
  seeds=()
  [ -d "seeds/$target" ] && seeds=("seeds/$target")
  # The document target needs none of the app's heavy crates.
  features=()
  [ "$target" = document_parse ] && features=(--no-default-features)
  log=$(mktemp)
  # -rss_limit_mb: an upload that makes the decoder allocate past this is a finding.
  if cargo fuzz run "${features[@]}" -s none -O "$target" "$corpus" "${seeds[@]}" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    result="no crash"
  else
    result="FINDING (see fuzz/artifacts/$target)"
    status=1
  fi
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
  rate=$(grep -oE 'exec/s: *[0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+$' || echo "?")
  cov=$(grep -oE 'cov: *[0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+$' || echo "?")
  echo "$target: $execs executions in ${seconds} s (~$rate/s), coverage $cov edges, corpus $(ls "$corpus" | wc -l) inputs: $result"
  [ "$result" = "no crash" ] || tail -n 30 "$log"
  rm -f "$log"
done
exit $status
