#!/usr/bin/env bash
# A sizing probe for Leptos's islands mode (docs/benchmarks.md, eighth pass): in a scratch
# worktree of HEAD, builds the browser WASM once per interactive page with only that page's
# component as an `#[island]` (`leptos/islands`, `hydrate_islands()`, no `#[lazy]` points), runs
# the same split, wasm-bindgen and wasm-opt steps as scripts/build.sh, and prints the gzip bytes
# of the module that page would load. The builds are not working apps (contexts the frame
# provides are missing); they measure bytes only. Nothing in the checkout is changed.
#
#   scripts/islands-probe.sh                  every interactive page
#   scripts/islands-probe.sh GptPage ...      only these components
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ai-portfolio/islands-probe}"
[ -x node_modules/.bin/wasm-opt ] || { echo "islands-probe: run scripts/setup.sh first (wasm-opt)" >&2; exit 1; }

declare -A files=(
  [SupportPage]=app/src/pages/support/mod.rs [PiratePage]=app/src/pages/pirate.rs
  [GptPage]=app/src/pages/gpt.rs [ClassifierPage]=app/src/pages/classifier.rs
  [TextToImagePage]=app/src/pages/text_to_image.rs
)
pages=("$@")
[ ${#pages[@]} -gt 0 ] || pages=(SupportPage PiratePage GptPage ClassifierPage TextToImagePage)

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"; git -C "$root" worktree prune' EXIT
git worktree add -q --detach "$scratch/tree" HEAD
cd "$scratch/tree"
# The islands build: the entry hydrates islands, links the app (nothing else names it), and no
# split point keeps the routes' page groups alive.
sed -i 's/"leptos\/hydrate",/"leptos\/hydrate", "leptos\/islands",/' app/Cargo.toml
sed -i 's/leptos::mount::hydrate_lazy(app::App);/leptos::mount::hydrate_islands();/' frontend/src/lib.rs
printf '\nextern crate app;\n' >> frontend/src/lib.rs
python3 - <<'PY'
import re
p = 'app/src/routes.rs'
s = open(p).read().replace('#[lazy]\nfn', 'async fn')
s = re.sub(r'(async fn preload\(self\) \{)\s*match self \{.*?\n        \}\n', r'\1\n', s, flags=re.S)
open(p, 'w').write(s)
p = 'app/src/pages/desk/mod.rs'
s = open(p).read().replace('#[lazy]\nfn staff_view', 'async fn staff_view')
open(p, 'w').write(s)
PY
git add -A && git -c user.name=probe -c user.email=probe@localhost commit -qm probe --no-verify

wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm"
printf '%-16s %12s %12s\n' page raw gzip
for page in "${pages[@]}"; do
  file=${files[$page]:?unknown page $page}
  git checkout -q -- app/src/pages
  python3 - "$file" "$page" <<'PY'
import sys
p, name = sys.argv[1:]
s = open(p).read()
old = f'#[component]\npub fn {name}()'
assert old in s, f'{name} not found in {p}'
open(p, 'w').write(s.replace(old, f'#[island]\npub fn {name}()', 1))
PY
  cargo build -q -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release
  out="$scratch/pkg"; rm -rf "$out"; mkdir -p "$out"
  wasm-split "$wasm" "$out" probe >/dev/null
  wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle --out-dir "$out" --out-name probe "${wasm%.wasm}_split.wasm"
  "$root/node_modules/.bin/wasm-opt" -Oz --strip-debug --strip-producers --enable-bulk-memory \
    --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue -o "$out/probe.wasm" "$out/probe_bg.wasm"
  python3 -c 'import gzip, sys; d = open(sys.argv[1], "rb").read(); print(f"{sys.argv[2]:<16} {len(d)/1000:9.1f} KB {len(gzip.compress(d, 9))/1000:9.1f} KB")' "$out/probe.wasm" "$page"
done
