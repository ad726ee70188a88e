// Front-end figures a visitor feels, in a fresh Debian Chromium per visit (no cache):
//  - per route: WASM and JS bytes on the wire (encoded, as sent) and the number of WASM files;
//  - median of N visits: first contentful paint and when the page has hydrated (data-hydrated
//    set) on every route, and when the orders table on /data enters the DOM and is painted;
//  - the signed-in desk: what "Try the desk" fetches once signed in (the sign-in page has none).
// Usage: node scripts/bench-web.mjs <base url> [visits]      (run by scripts/bench-web.sh)
import { chromium } from '@playwright/test';

const base = process.argv[2];
const visits = Number(process.argv[3] ?? 10);
if (!base) {
  console.error('usage: node scripts/bench-web.mjs <base url> [visits]');
  process.exit(2);
}
const routes = ['/', '/support', '/pirate', '/gpt', '/classifier', '/text-to-image', '/data', '/architecture', '/desk'];

// Records, from the start of navigation, when <html data-hydrated> appears, and when the Data
// Views table enters the DOM and is first painted (the first animation frame after it arrived:
// no frame is drawn before the render-blocking CSS is in, so this is when a visitor sees it).
const probe = () => {
  window.__bench = { hydratedAt: null, tableInDomAt: null, tablePaintedAt: null };
  new MutationObserver((_, observer) => {
    if (document.documentElement.getAttribute('data-hydrated') === 'true') {
      window.__bench.hydratedAt = performance.now();
      observer.disconnect();
    }
    // The document node, not <html>: an init script runs before <html> is parsed.
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
  new MutationObserver((_, observer) => {
    if (document.querySelector('[data-testid="data-table"]')) {
      window.__bench.tableInDomAt = performance.now();
      requestAnimationFrame((frameAt) => (window.__bench.tablePaintedAt = frameAt));
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
};

const median = (values) => {
  const sorted = values.filter((v) => v !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const ms = (v) => (v === null ? 'none' : `${v.toFixed(0)} ms`);
const kb = (v) => `${(v / 1024).toFixed(1)} KB`;

const sum = (files) => files.reduce((total, f) => total + f.bytes, 0);

/** Records each finished request whose path matches `pattern`: its path and bytes as sent. */
function recordFiles(page, pattern) {
  const files = [];
  page.on('requestfinished', async (request) => {
    const url = new URL(request.url());
    if (pattern.test(url.pathname)) {
      const sizes = await request.sizes().catch(() => null);
      if (sizes) files.push({ path: url.pathname, bytes: sizes.responseBodySize });
    }
  });
  return files;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});

async function visit(route) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(probe);
  const files = recordFiles(page, /\.(wasm|js)$/);
  await page.goto(base + route, { waitUntil: 'load' });
  // A page without an island loads no WebAssembly and never hydrates.
  const hydrates = await page.evaluate(() => document.querySelector('leptos-island') !== null);
  if (hydrates) await page.waitForFunction(() => window.__bench.hydratedAt !== null, null, { timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  const timings = await page.evaluate(() => ({
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
    hydratedAt: window.__bench.hydratedAt,
    tableInDomAt: window.__bench.tableInDomAt,
    tablePaintedAt: window.__bench.tablePaintedAt,
  }));
  await context.close();
  return { files, ...timings };
}

console.log(`== Front end in a fresh Chromium (${visits} visits per route, median)`);
console.log('route            wasm files  wasm (wire)  js (wire)      FCP  hydrated  table in DOM / painted');
for (const route of routes) {
  const runs = [];
  for (let i = 0; i < visits; i++) runs.push(await visit(route));
  const first = runs[0];
  const wasm = first.files.filter((f) => f.path.endsWith('.wasm'));
  const js = first.files.filter((f) => f.path.endsWith('.js'));
  console.log(
    `${route.padEnd(16)} ${String(wasm.length).padStart(10)}  ${kb(sum(wasm)).padStart(11)}  ${kb(sum(js)).padStart(9)}  ` +
      `${ms(median(runs.map((r) => r.fcp))).padStart(7)}  ${ms(median(runs.map((r) => r.hydratedAt))).padStart(8)}  ` +
      (route === '/data'
        ? `${ms(median(runs.map((r) => r.tableInDomAt)))} / ${ms(median(runs.map((r) => r.tablePaintedAt)))}`
        : ''),
  );
}

// The desk for a visitor is the server's sign-in page, with no WebAssembly; once signed in
// ("Try the desk" here, which needs no account) the page loads again as the desk, which
// hydrates: the main module and the desk island's chunks.
{
  const context = await browser.newContext();
  const page = await context.newPage();
  const files = recordFiles(page, /\.wasm$/);
  await page.goto(base + '/desk', { waitUntil: 'load' });
  await page.waitForSelector('html[data-enhanced="true"]');
  await page.waitForLoadState('networkidle');
  const before = files.length;
  const beforeBytes = sum(files);
  await page.click('[data-testid="try-desk-button"]');
  await page.waitForSelector('[data-testid="demo-banner"]', { timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  const added = files.slice(before);
  const addedBytes = sum(added);
  console.log(
    `/desk signed in: ${added.length} wasm files, ${kb(addedBytes)} (wire); the sign-in page's: ${before} files, ${kb(beforeBytes)}`,
  );
  await context.close();
}
await browser.close();
