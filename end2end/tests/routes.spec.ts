import { test, expect } from '@playwright/test';
import { enhanced, hydrated, markWindow, watchConsole, windowMarker } from './helpers';

// Home, Architecture and Data Views have no island, so they load no WebAssembly (the desk for a
// visitor neither, below); every other page's interactive part is an island (app/src/routes.rs).
const staticPages = new Set(['/', '/architecture', '/data']);

const routes: Array<[string, RegExp, string]> = [
  ['/', /^AI Portfolio$/, 'Six working AI demos'],
  ['/support', /^Customer Support · AI Portfolio$/, 'Customer Support'],
  ['/pirate', /^Pirate Chatbot · AI Portfolio$/, 'Pirate Chatbot'],
  ['/gpt', /^Custom GPT · AI Portfolio$/, 'Custom GPT'],
  ['/classifier', /^Image Classifier · AI Portfolio$/, 'Image Classifier'],
  ['/text-to-image', /^Text-to-Image · AI Portfolio$/, 'Text-to-Image'],
  ['/data', /^Products · Data Views · AI Portfolio$/, 'Data Views'],
  ['/architecture', /^Architecture · AI Portfolio$/, 'Architecture'],
];

// Each interactive page's island, as the split step names its chunk (the component's name in
// snake case).
const islands: Record<string, string> = {
  '/support': 'support_chat',
  '/pirate': 'pirate_chat',
  '/gpt': 'gpt_studio',
  '/classifier': 'classifier',
  '/text-to-image': 'studio',
};

for (const [path, title, heading] of routes) {
  const kind = staticPages.has(path) ? 'loads no WebAssembly' : 'hydrates';
  test(`${path} loads, ${kind} and logs no errors`, async ({ page }) => {
    const problems = watchConsole(page);
    const wasm: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('.wasm')) wasm.push(new URL(request.url()).pathname);
    });
    const response = await page.goto(path);
    expect(response?.status()).toBe(200);
    if (staticPages.has(path)) {
      await page.waitForLoadState('networkidle');
      expect(wasm).toEqual([]);
      await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
    } else {
      await hydrated(page);
      // The main module and this page's island's chunks, never another page's island (the
      // split step names an island's own module split_<island>_loader_<hash>.wasm).
      expect(wasm).toContain('/pkg/ai-portfolio_bg.wasm');
      const own = wasm.filter((file) => /\/split_\w+_loader_\d+\.wasm$/.test(file));
      expect(own).toHaveLength(1);
      expect(own[0]).toContain(`/split_${islands[path]}_loader_`);
    }
    await expect(page).toHaveTitle(title);
    await expect(page.getByRole('heading', { level: 1 })).toContainText(heading);
    await expect(page.locator('meta[name="description"]')).toHaveAttribute('content', /.{20,}/);
    expect(problems).toEqual([]);
  });
}

test('unknown paths get the 404 page, which loads no WebAssembly', async ({ page }) => {
  const wasm: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('.wasm')) wasm.push(request.url());
  });
  const response = await page.goto('/definitely/not/here');
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId('not-found')).toBeVisible();
  await expect(page).toHaveTitle('Page not found · AI Portfolio');
  await page.waitForLoadState('networkidle');
  expect(wasm).toEqual([]);
  await page.getByRole('link', { name: 'Back to the home page' }).click();
  await expect(page).toHaveURL(/\/$/);
});

test('the navigation loads each page from the server, which hydrates its own island', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/support');
  await hydrated(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const [name, path, island] of [
    ['Architecture', '/architecture', null],
    ['Custom GPT', '/gpt', 'GptStudio'],
    ['Pirate Chatbot', '/pirate', 'PirateChat'],
    ['Home', '/', null],
  ] as const) {
    await markWindow(page);
    await nav.getByRole('link', { name }).click();
    await expect(page).toHaveURL(new RegExp(`${path === '/' ? '/$' : path}$`));
    await expect(nav.getByRole('link', { name })).toHaveAttribute('aria-current', 'page');
    expect(await windowMarker(page)).toBeUndefined(); // an ordinary page load
    if (island) {
      await hydrated(page);
      await expect(page.locator(`leptos-island[data-component^="${island}_"]`)).toHaveCount(1);
    }
  }
  await page.goBack();
  await expect(page).toHaveURL(/\/pirate$/);
  await hydrated(page);
  expect(problems).toEqual([]);
});

// Data Views, and the desk for a visitor (its sign-in page), are the server's documents.
for (const [name, path, testId] of [
  ['Data Views', '/data', 'data-table'],
  ['Support desk', '/desk', 'sign-in'],
]) {
  test(`${name} is an ordinary page load from a hydrated page, and back again`, async ({ page }) => {
    const problems = watchConsole(page);
    const wasm: string[] = [];
    await page.goto('/support');
    await hydrated(page);
    await markWindow(page);
    page.on('request', (request) => {
      if (request.url().endsWith('.wasm')) wasm.push(new URL(request.url()).pathname);
    });
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name }).click();
    await expect(page).toHaveURL(new RegExp(`${path}$`));
    await enhanced(page);
    expect(await windowMarker(page)).toBeUndefined(); // a full page load
    await expect(nav.getByRole('link', { name })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByTestId(testId)).toBeVisible();
    expect(wasm).toEqual([]);
    await page.goBack();
    await expect(page).toHaveURL(/\/support$/);
    await hydrated(page);
    expect(problems).toEqual([]);
  });
}

test('a static page links to the demos with ordinary page loads, which then hydrate', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/');
  await markWindow(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Image Classifier' }).click();
  await expect(page).toHaveURL(/\/classifier$/);
  await hydrated(page);
  expect(await windowMarker(page)).toBeUndefined(); // a full page load
  expect(problems).toEqual([]);
});

test('home cards link to every demo and name their backend', async ({ page }) => {
  await page.goto('/');
  const cards = page.getByTestId('demo-card');
  await expect(cards).toHaveCount(6);
  await expect(page.getByTestId('backend-badge').first()).toContainText('Embedded');
  // The e2e server points Stability at a local fake (end2end/fakes/image-providers.mjs).
  await expect(page.getByText('Stability AI SD3')).toBeVisible();
});

test('dark mode follows the system and the toggle persists', async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: 'dark' });
  const page = await context.newPage();
  // The toggle is plain script: it works on a static page and on a hydrated one alike.
  await page.goto('/');
  await expect(page.locator('html')).toHaveClass(/dark/);
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).not.toHaveClass(/dark/);
  await page.goto('/pirate');
  await expect(page.locator('html')).not.toHaveClass(/dark/);
  await hydrated(page);
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveClass(/dark/);
  await page.reload();
  await expect(page.locator('html')).toHaveClass(/dark/);
  await context.close();
});

test('on a phone the menu opens, navigates and closes', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  // The menu is plain script: on a page with no WebAssembly and on a hydrated one alike.
  await page.goto('/');
  const nav = page.locator('#site-nav');
  const button = page.getByTestId('menu-button');
  await expect(nav).toBeHidden();
  await button.click();
  await expect(nav).toBeVisible();
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  await nav.getByRole('link', { name: 'Custom GPT' }).click();
  await expect(page).toHaveURL(/\/gpt$/);
  await expect(nav).toBeHidden();
  await hydrated(page);
  await button.click();
  await expect(nav).toBeVisible();
  await nav.getByRole('link', { name: 'Architecture' }).click();
  await expect(page).toHaveURL(/\/architecture$/);
  await expect(nav).toBeHidden();
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await context.close();
});
