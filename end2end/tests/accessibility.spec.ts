import { test, expect, type Browser, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { enhanced, hydrated, signIn } from './helpers';

// axe-core on every page, in light and dark, after the page has settled (hydrated where it
// hydrates, its script run on Data Views): zero violations of WCAG 2.x A and AA and axe's best
// practices.
test.describe.configure({ timeout: 120_000 });

// No island on these: no WebAssembly to wait for.
const staticPages = new Set(['/', '/architecture', '/no/such/page']);
const pages = [
  '/',
  '/support',
  '/support/inbox',
  '/pirate',
  '/gpt',
  '/classifier',
  '/text-to-image',
  '/data',
  '/data?tab=orders',
  '/data?tab=customers',
  '/architecture',
  '/desk',
  '/no/such/page',
];

async function settle(page: Page, path: string) {
  if (staticPages.has(path)) await page.waitForLoadState('networkidle');
  // Data Views, and the desk for a visitor (its sign-in page), run a script of their own.
  else if (path.startsWith('/data') || path === '/desk') await enhanced(page);
  else await hydrated(page);
  await page.waitForLoadState('networkidle');
}

async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  return results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`,
  );
}

async function open(browser: Browser, scheme: 'light' | 'dark') {
  const context = await browser.newContext({ colorScheme: scheme });
  // The stored choice wins over the system's; none is stored in a fresh context.
  return { context, page: await context.newPage() };
}

for (const scheme of ['light', 'dark'] as const) {
  for (const path of pages) {
    test(`${path} has no accessibility violations (${scheme})`, async ({ browser }) => {
      const { context, page } = await open(browser, scheme);
      await page.goto(path);
      await settle(page, path);
      await expect(page.locator('html')).toHaveClass(scheme === 'dark' ? /dark/ : /^(?!.*dark)/);
      expect(await violations(page)).toEqual([]);
      await context.close();
    });
  }

  test(`the signed-in desk's tabs have no accessibility violations (${scheme})`, async ({ browser }) => {
    const { context, page } = await open(browser, scheme);
    await signIn(page);
    expect(await violations(page)).toEqual([]);
    for (const tab of ['Tickets', 'Knowledge base', 'Analytics', 'Team & API keys', 'Audit & privacy', 'Your account']) {
      await page.getByRole('tab', { name: tab }).click();
      await page.waitForLoadState('networkidle');
      expect(await violations(page), tab).toEqual([]);
    }
    await context.close();
  });
}

test('the desk tabs follow the keyboard (arrows, Home, End) with one tab stop', async ({ page }) => {
  await signIn(page);
  const tab = (name: string) => page.getByRole('tab', { name });
  await expect(tab('Conversations')).toHaveAttribute('aria-selected', 'true');
  await expect(tab('Tickets')).toHaveAttribute('tabindex', '-1');
  await tab('Conversations').focus();
  await page.keyboard.press('ArrowRight');
  await expect(tab('Tickets')).toBeFocused();
  await expect(tab('Tickets')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel', { name: 'Tickets' })).toBeVisible();
  await page.keyboard.press('End');
  await expect(tab('Your account')).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(tab('Conversations')).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  await expect(tab('Your account')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Home');
  await expect(tab('Conversations')).toHaveAttribute('aria-selected', 'true');
});

test('focus is visible on links and buttons, and reduced motion is respected', async ({ browser }) => {
  const context = await browser.newContext({ reducedMotion: 'reduce' });
  const page = await context.newPage();
  await page.goto('/pirate');
  await hydrated(page);
  // Tab from the top: the skip link first, and every focused control draws an outline or ring.
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    const visible = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return true;
      const style = getComputedStyle(el);
      const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
      const ring = style.boxShadow !== 'none';
      return outline || ring;
    });
    expect(visible, `focus ${i + 1} is visible`).toBe(true);
  }
  // The drop zone animates its border on hover: not when the visitor asks for less motion.
  await page.goto('/classifier');
  await hydrated(page);
  const transition = await page
    .getByTestId('drop-zone')
    .evaluate((el) => parseFloat(getComputedStyle(el).transitionDuration));
  expect(transition).toBeLessThan(0.001);
  await context.close();
});
