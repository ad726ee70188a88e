import { test, expect } from '@playwright/test';
import { hydrated, markWindow, watchConsole, windowMarker } from './helpers';

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

for (const [path, title, heading] of routes) {
  test(`${path} loads, hydrates and logs no errors`, async ({ page }) => {
    const problems = watchConsole(page);
    const response = await page.goto(path);
    expect(response?.status()).toBe(200);
    await hydrated(page);
    await expect(page).toHaveTitle(title);
    await expect(page.getByRole('heading', { level: 1 })).toContainText(heading);
    await expect(page.locator('meta[name="description"]')).toHaveAttribute('content', /.{20,}/);
    expect(problems).toEqual([]);
  });
}

test('unknown paths get the 404 page', async ({ page }) => {
  const response = await page.goto('/definitely/not/here');
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId('not-found')).toBeVisible();
  await expect(page).toHaveTitle('Page not found · AI Portfolio');
  await hydrated(page);
  await page.getByRole('link', { name: 'Back to the home page' }).click();
  await expect(page).toHaveURL(/\/$/);
});

test('the navigation moves between pages without reloading', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/');
  await hydrated(page);
  await markWindow(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const [name, path] of [
    ['Data Views', '/data'],
    ['Architecture', '/architecture'],
    ['Custom GPT', '/gpt'],
    ['Home', '/'],
  ]) {
    await nav.getByRole('link', { name }).click();
    await expect(page).toHaveURL(new RegExp(`${path === '/' ? '/$' : path}`));
    await expect(nav.getByRole('link', { name })).toHaveAttribute('aria-current', 'page');
  }
  expect(await windowMarker(page)).toBe(42);
  await page.goBack();
  await expect(page).toHaveURL(/\/gpt$/);
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
  await page.goto('/');
  await expect(page.locator('html')).toHaveClass(/dark/);
  await hydrated(page);
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).not.toHaveClass(/dark/);
  await page.reload();
  await expect(page.locator('html')).not.toHaveClass(/dark/);
  await hydrated(page);
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveClass(/dark/);
  await context.close();
});

test('on a phone the menu opens, navigates and closes', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await page.goto('/');
  await hydrated(page);
  const nav = page.locator('#site-nav');
  await expect(nav).toBeHidden();
  await page.getByTestId('menu-button').click();
  await expect(nav).toBeVisible();
  await nav.getByRole('link', { name: 'Architecture' }).click();
  await expect(page).toHaveURL(/\/architecture$/);
  await expect(nav).toBeHidden();
  await context.close();
});
