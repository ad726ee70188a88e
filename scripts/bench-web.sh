#!/usr/bin/env bash
# The front end as a phone visitor gets it: Lighthouse (npm `lighthouse`, mobile preset: simulated
# slow 4G and 4x CPU, on Debian's Chromium, offline) on every page of a release build, printing
# performance, accessibility, best practices, SEO, FCP, LCP, TBT and CLS per page; then WASM bytes
# per route and paint/hydration times in a fresh browser (scripts/bench-web.mjs).
#
#   scripts/bench-web.sh                  build (release), then measure
#   BENCH_NO_BUILD=1 scripts/bench-web.sh measure what target/site already holds
#   BENCH_VISITS=10                       fresh-browser visits per route (median)
set -euo pipefail
cd "$(dirname "$0")/.."

port="${BENCH_PORT:-3430}"
visits="${BENCH_VISITS:-10}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
lighthouse_version=13.5.0
# Lighthouse is a measuring tool, not a test dependency: kept in the build cache, not in package.json.
lighthouse_dir="${LIGHTHOUSE_DIR:-$HOME/.cache/ai-portfolio/lighthouse-$lighthouse_version}"

log() { printf '\033[1;34m[bench-web]\033[0m %s\n' "$*" >&2; }

if [ -z "${BENCH_NO_BUILD:-}" ]; then
  scripts/setup.sh --browser >/dev/null
  scripts/build.sh --release >/dev/null
fi
[ -x "$chromium" ] || { echo "bench-web: $chromium is missing: run scripts/setup.sh --browser" >&2; exit 1; }
if [ ! -x "$lighthouse_dir/node_modules/.bin/lighthouse" ]; then
  log "installing lighthouse $lighthouse_version into $lighthouse_dir"
  mkdir -p "$lighthouse_dir"
  (cd "$lighthouse_dir" && npm init -y >/dev/null && npm install --silent --save-exact "lighthouse@$lighthouse_version" >/dev/null)
fi

bin="${CARGO_TARGET_DIR:-target}/release/ai-portfolio"
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
PORT="$port" HOST=127.0.0.1 DATABASE_URL="sqlite://$work/bench.db?mode=rwc" SITE_ROOT=target/site \
  KB_DIR="$work/kb" IMAGES_DIR="$work/images" CLASSIFIER_DIR="$work/classifier" LOG_LEVEL=warn \
  "$bin" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || sleep 5
base="http://127.0.0.1:$port"

echo "== Lighthouse $lighthouse_version, mobile preset ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
printf '%-15s %5s %5s %5s %5s %8s %8s %7s %6s\n' page perf a11y bp seo FCP LCP TBT CLS
for route in / /support /pirate /gpt /classifier /text-to-image /data /architecture /desk; do
  report="$work/lighthouse.json"
  CHROME_PATH="$chromium" "$lighthouse_dir/node_modules/.bin/lighthouse" "$base$route" \
    --quiet --output=json --output-path="$report" \
    --only-categories=performance,accessibility,best-practices,seo \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu" >/dev/null 2>"$work/lighthouse.log" \
    || { echo "lighthouse failed on $route:" >&2; tail -5 "$work/lighthouse.log" >&2; continue; }
  node -e '
    const r = require(process.argv[1]);
    const score = (c) => Math.round((r.categories[c]?.score ?? 0) * 100);
    const audit = (a) => r.audits[a]?.numericValue ?? NaN;
    const s = (v) => (v / 1000).toFixed(1) + " s";
    console.log([process.argv[2].padEnd(15), ...["performance", "accessibility", "best-practices", "seo"].map((c) => String(score(c)).padStart(5)),
      s(audit("first-contentful-paint")).padStart(8), s(audit("largest-contentful-paint")).padStart(8),
      (Math.round(audit("total-blocking-time")) + " ms").padStart(7), audit("cumulative-layout-shift").toFixed(3).padStart(6)].join(" "));
    const failing = Object.values(r.audits).filter((a) => a.score !== null && a.score < 1 && r.categories.accessibility.auditRefs.some((x) => x.id === a.id && x.weight > 0));
    for (const a of failing) console.log("                accessibility: " + a.id);
  ' "$report" "$route"
done
echo
node scripts/bench-web.mjs "$base" "$visits"
