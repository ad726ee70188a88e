#!/usr/bin/env bash
# The LLM figures: the embedded model's load time, prompt-processing and generation tokens/s,
# time to first token through the Pirate Chatbot's endpoint (a release server on 127.0.0.1), and
# the same model figures for llama.cpp on the same GGUF and thread count, with the ratios.
# llama.cpp comes from PyPI (llama-cpp-python builds it from source: several minutes, once, into
# target/llama-venv). Bounded: a few generations of at most 128 tokens each.
set -euo pipefail
cd "$(dirname "$0")/.."

threads="${LLM_THREADS:-1}"
runs="${BENCH_RUNS:-3}"
port="${BENCH_PORT:-3410}"
model="${MODELS_DIR:-models}/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
venv="${LLAMA_VENV:-target/llama-venv}"

scripts/setup.sh >/dev/null
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import llama_cpp" 2>/dev/null; then
  echo "[bench-llm] building llama-cpp-python 0.3.36 into $venv (once)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "llama-cpp-python[server]==0.3.36"
fi

echo "== LLM benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $threads thread(s), $runs runs, median)"
embedded=$(cargo run --quiet --release -p llm-embedded --example bench -- "$model" "$threads" "$runs")
echo "$embedded"
llama=$("$venv/bin/python" scripts/bench_llama_cpp.py "$model" "$threads" "$runs")
echo "$llama"

# Time to first token through the page's endpoint (after one warm-up reply that loads the model).
cargo build --quiet --release -p server --bin ai-portfolio
work=$(mktemp -d)
LLM_THREADS="$threads" PORT="$port" HOST=127.0.0.1 DATABASE_URL="sqlite://$work/b.db?mode=rwc" LOG_LEVEL=warn \
  "${CARGO_TARGET_DIR:-target}/release/ai-portfolio" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
python3 - "$port" "$runs" <<'PY'
import http.client, json, sys, time
port, runs = int(sys.argv[1]), int(sys.argv[2])
body = json.dumps({"message": "Explain in a few sentences how a ship's compass works.", "temperature": 0, "provider": "embedded"})
def once():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    t0 = time.perf_counter()
    conn.request("POST", "/api/pirate/chat", body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    first = None
    for line in resp:
        if line.startswith(b"event: token") and first is None:
            first = time.perf_counter()
    return (first - t0) * 1000
once()  # loads the model
samples = sorted(once() for _ in range(runs))
print(f"page_time_to_first_token_ms {samples[len(samples) // 2]:.0f}")
PY

get() { awk -v k="$1" '$1 == k { print $2 }' <<<"$embedded
$llama"; }
awk -v a="$(get embedded_prompt_tokens_per_s)" -v b="$(get llama_cpp_prompt_tokens_per_s)" \
  'BEGIN { printf "ratio_prompt_embedded_over_llama_cpp %.2f\n", a / b }'
awk -v a="$(get embedded_generation_tokens_per_s)" -v b="$(get llama_cpp_generation_tokens_per_s)" \
  'BEGIN { printf "ratio_generation_embedded_over_llama_cpp %.2f\n", a / b }'
