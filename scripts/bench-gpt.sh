#!/usr/bin/env bash
# The Custom GPT's generation figures: characters per second and time to first character of the
# shipped model on candle, at 1 and 2 threads, beside a PyTorch implementation of the same
# architecture loading the same safetensors file on the same threads, with the ratio, and whether
# the two wrote the same text (same weights, seed and sampling). PyTorch comes from PyPI into
# TORCH_VENV (default target/torch-venv; a few GB, once). BENCH_RUNS runs per setting (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${BENCH_RUNS:-5}"
model="${GPT_BENCH_MODEL:-shakespeare}"
chars="${GPT_BENCH_CHARS:-500}"
venv="${TORCH_VENV:-target/torch-venv}"
dir="crates/gpt/shipped/$model"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
  echo "[bench-gpt] installing torch into $venv (once)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet torch numpy
fi
cargo build --quiet --release -p gpt --bin gpt-bench

echo "== Custom GPT generation benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, model $model, $chars characters, $runs runs per setting)"
for threads in 1 2; do
  candle=$(RAYON_NUM_THREADS=$threads "${CARGO_TARGET_DIR:-target}/release/gpt-bench" --model-dir "$dir" --chars "$chars" --runs "$runs")
  torch=$("$venv/bin/python" scripts/gpt_reference.py "$dir" "$threads" "$runs" "$chars" 2>/dev/null | tail -n 1)
  echo "$candle"
  python3 - "$candle" "$torch" <<'PY'
import json, sys
c, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
same = c["sample"] == t["sample"]
print(json.dumps({k: v for k, v in t.items() if k != "text"}))
print(f"threads {c['threads']}: candle {c['chars_per_second']:.0f} chars/s, first char {c['time_to_first_char_ms']:.1f} ms; "
      f"PyTorch {t['torch']} {t['chars_per_second']:.0f} chars/s, first char {t['time_to_first_char_ms']:.1f} ms "
      f"-> candle {c['chars_per_second'] / t['chars_per_second']:.2f}x PyTorch's speed; "
      f"same text: {'yes' if same else 'no (float differences changed a draw)'}")
PY
done
