import { expect, type Page } from '@playwright/test';

/** Collects console errors and uncaught exceptions for the life of the page. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  return problems;
}

/** Waits until the WASM app has hydrated the server-rendered page. */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/**
 * Waits until the page's own script runs, on the pages that are the server's document with no
 * WebAssembly: Data Views (app/src/pages/data_views/enhance.js) and the desk's sign-in page
 * (app/src/pages/desk/sign_in.js).
 */
export async function enhanced(page: Page): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('data-enhanced', 'true');
}

/** Sets a marker on `window` that only survives client-side (non-reload) navigation. */
export async function markWindow(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { __e2eMarker: number }).__e2eMarker = 42));
}

export async function windowMarker(page: Page): Promise<unknown> {
  return page.evaluate(() => (window as unknown as { __e2eMarker?: number }).__e2eMarker);
}

/** The desk's first administrator, as the e2e server is configured (playwright.config.ts). */
export const ADMIN = { email: 'admin@store.example', password: 'e2e admin password' };

/**
 * Opens the desk (its sign-in page) and signs in as the administrator; the page loads again as
 * the desk itself, which hydrates, until the live stream is connected.
 */
export async function signIn(page: Page): Promise<void> {
  await page.goto('/desk');
  await enhanced(page);
  const form = page.getByTestId('sign-in');
  await form.getByLabel('Email').fill(ADMIN.email);
  await form.getByLabel('Password').fill(ADMIN.password);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText('Ada Admin (admin)');
  await expect(page.getByTestId('live-state')).toContainText('Live');
}
