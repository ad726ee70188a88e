#!/usr/bin/env bash
# Builds the server binary and the site (WASM front end split by island, CSS, static files), the
# same steps `cargo leptos build --split` performs, with tools that install offline
# (scripts/setup.sh). Each profile has its own site folder, so the tests' debug build never
# replaces what a running release server serves.
#
#   scripts/build.sh            release into target/site: optimised server, WASM through wasm-opt -Oz
#   scripts/build.sh --dev      debug into target/site-dev, no wasm-opt (fast, for tests)
set -euo pipefail
cd "$(dirname "$0")/.."

mode=release
for arg in "$@"; do
  case "$arg" in
    --dev) mode=dev ;;
    --release) mode=release ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

log() { printf '\033[1;34m[build]\033[0m %s\n' "$*"; }
need() { command -v "$1" >/dev/null 2>&1 || [ -x "node_modules/.bin/$1" ] || { echo "build: $1 is missing: run scripts/setup.sh" >&2; exit 1; }; }
need wasm-bindgen
need wasm-split
need wasm-opt
need tailwindcss

target_dir="${CARGO_TARGET_DIR:-target}"
name="ai-portfolio"

if [ "$mode" = release ]; then
  server_flags=(--release)
  wasm_profile=wasm-release
  site="target/site"
else
  server_flags=()
  wasm_profile=dev
  site="target/site-dev"
fi
pkg="$site/pkg"
wasm_dir="$wasm_profile"
[ "$wasm_profile" = dev ] && wasm_dir=debug

log "server ($mode)"
cargo build "${server_flags[@]}" -p server --bin ai-portfolio

# .cargo/config.toml links the wasm32 target with --emit-relocs, which the split step reads.
log "front end (wasm32, profile $wasm_profile)"
cargo build -p frontend --lib --target wasm32-unknown-unknown --profile "$wasm_profile"
wasm="$target_dir/wasm32-unknown-unknown/$wasm_dir/frontend.wasm"

rm -rf "$pkg"
mkdir -p "$pkg"
# Each island's code goes to its own chunks (the app's `#[island(lazy)]` components, app/src/routes.rs),
# loaded when a page with that island hydrates; the main module keeps the reactive runtime.
# Writes frontend_split.wasm beside the input.
log "wasm-split"
chunks=$(wasm-split "$wasm" "$pkg" "$name")
log "wasm-bindgen"
wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle \
  --out-dir "$pkg" --out-name "$name" "${wasm%.wasm}_split.wasm"

if [ "$mode" = release ]; then
  # The main module and every chunk of 8 KB or more (over 90% of the bytes): wasm-opt starts in
  # about a second per file, and the tiny chunks would gain a few bytes each.
  big=$(for module in "$pkg/${name}_bg.wasm" $chunks; do
    if [ "$(stat -c %s "$module")" -ge 8192 ]; then echo "$module"; fi
  done)
  log "wasm-opt -Oz ($(echo "$big" | grep -c .) of $(($(echo "$chunks" | grep -c .) + 1)) modules)"
  # shellcheck disable=SC2016
  echo "$big" | xargs -P "$(nproc)" -I{} sh -c '
    node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory \
      --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
      --enable-reference-types --enable-multivalue -o "$1.opt" "$1" 2>"$1.log" \
      || { cat "$1.log" >&2; exit 1; }
    rm -f "$1.log"; mv "$1.opt" "$1"' _ {}
fi

log "tailwind css"
node_modules/.bin/tailwindcss -i style/main.css -o "$pkg/$name.css" --minify 2>&1 | grep -v '^≈' || true
[ -s "$pkg/$name.css" ] || { echo "build: tailwind produced no CSS" >&2; exit 1; }

log "static files"
cp -r public/. "$site/"
# Served as-is to browsers that accept them (ServeDir precompressed_br, then _gzip). Brotli at
# its highest quality only for the release build (node's zlib, already installed for Tailwind):
# about a fifth fewer bytes than gzip -9 on the WASM, too slow to be worth it on debug builds.
for f in "$pkg"/*.js "$pkg"/*.wasm "$pkg"/*.css; do gzip -9 -k -f "$f"; done
if [ "$mode" = release ]; then
  log "brotli"
  node scripts/brotli.mjs "$pkg"/*.js "$pkg"/*.wasm "$pkg"/*.css
fi

log "done: $target_dir/$([ "$mode" = release ] && echo release || echo debug)/ai-portfolio, site in $site"
