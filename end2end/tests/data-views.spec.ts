import { test, expect } from '@playwright/test';
import * as fs from 'node:fs';
import { enhanced, markWindow, watchConsole, windowMarker } from './helpers';

const rows = (page: import('@playwright/test').Page) => page.getByTestId('data-table').locator('tbody > tr');

test('search filters as you type, keeps the search box as typed, and the URL keeps it', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/data?tab=products');
  await enhanced(page);
  await markWindow(page);
  await expect(page.getByTestId('row-count')).toContainText('20 rows');

  // No Enter, no submit: only the page's script reacts to typing.
  await page.getByTestId('search').pressSequentially('monitor', { delay: 20 });
  await expect(page).toHaveURL(/[?&]q=monitor/);
  await expect(page.getByTestId('row-count')).not.toContainText('20 rows');
  const count = await rows(page).count();
  expect(count).toBeGreaterThan(0);
  expect(count).toBeLessThan(10);
  for (const text of await rows(page).allInnerTexts()) expect(text.toLowerCase()).toContain('monitor');
  // Only the results were swapped: the search box keeps its text and the focus.
  await expect(page.getByTestId('search')).toHaveValue('monitor');
  await expect(page.getByTestId('search')).toBeFocused();
  // Enter submits the form: the whole view is swapped (a new search box, unmarked), and the
  // focus comes back to the box.
  const search = page.getByTestId('search');
  await search.evaluate((box) => ((box as unknown as { __old: boolean }).__old = true));
  const entries = await page.evaluate(() => history.length);
  await search.press('Enter');
  await expect.poll(() => search.evaluate((box) => 'old' + (box as unknown as { __old?: boolean }).__old)).toBe('oldundefined');
  await expect(page.getByTestId('search')).toBeFocused();
  expect(await page.evaluate(() => history.length)).toBe(entries); // the same view: no new entry
  await expect(page.getByTestId('search')).toHaveValue('monitor');
  expect(await windowMarker(page)).toBe(42); // no full page load happened
  expect(problems).toEqual([]);
});

test('sorting by a column orders the rows and toggles direction', async ({ page }) => {
  await page.goto('/data?tab=products');
  await enhanced(page);
  await markWindow(page);
  const price = page.locator('th a[data-sort="price"]');
  await price.click();
  await expect(page).toHaveURL(/sort=price&dir=desc/);
  await expect(page.locator('th[aria-sort="descending"]')).toContainText('Price');
  const prices = async () =>
    (await rows(page).locator('td:nth-child(4)').allInnerTexts()).map((t) => Number(t.replace(/[$,]/g, '')));
  const desc = await prices();
  expect(desc[0]).toBe(2199);
  expect([...desc].sort((a, b) => b - a)).toEqual(desc);
  await price.click();
  await expect(page).toHaveURL(/sort=price&dir=asc/);
  await expect(page.locator('th[aria-sort="ascending"]')).toContainText('Price');
  const asc = await prices();
  expect([...asc].sort((a, b) => a - b)).toEqual(asc);
  expect(await windowMarker(page)).toBe(42);
});

test('pagination, page size and Back', async ({ page }) => {
  await page.goto('/data?tab=orders');
  await enhanced(page);
  await expect(page.getByTestId('pager-label')).toHaveText('Showing 1–10 of 30');
  await page.getByTestId('pager').getByRole('link', { name: '2', exact: true }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.getByTestId('pager-label')).toHaveText('Showing 11–20 of 30');
  await page.getByTestId('pager').getByRole('link', { name: 'Next ›' }).click();
  await expect(page.getByTestId('pager-label')).toHaveText('Showing 21–30 of 30');
  await page.getByTestId('page-size').selectOption('25');
  await expect(page).toHaveURL(/size=25/);
  await expect(page.getByTestId('pager-label')).toHaveText('Showing 1–25 of 30');
  await page.goBack();
  await expect(page.getByTestId('pager-label')).toHaveText('Showing 21–30 of 30');
  await page.goBack();
  await expect(page.getByTestId('pager-label')).toHaveText('Showing 11–20 of 30');
});

test('filters and expandable order lines', async ({ page }) => {
  await page.goto('/data?tab=orders');
  await enhanced(page);
  await page.getByTestId('filter-status').selectOption('delivered');
  await expect(page).toHaveURL(/status=delivered/);
  await expect(page.getByTestId('row-count')).toContainText('12 rows');
  const firstOrder = page.locator('tr[data-order]').first();
  await expect(firstOrder).toContainText('delivered');
  const lines = page.getByTestId('order-lines').first();
  await expect(lines).toBeHidden();
  await page.getByTestId('expand-order').first().click();
  await expect(lines).toBeVisible();
  await expect(lines).toContainText('Unit price at purchase');
  await expect(page.getByTestId('expand-order').first()).toHaveAttribute('aria-expanded', 'true');
});

test('tickets filter by priority and the chart is drawn', async ({ page }) => {
  await page.goto('/data?tab=tickets');
  await enhanced(page);
  await page.getByTestId('filter-priority').selectOption('urgent');
  await expect(page.getByTestId('row-count')).toContainText('2 rows');
  await expect(page.getByRole('img', { name: /Tickets by priority/ })).toBeVisible();
});

test('CSV export downloads the current view', async ({ page }) => {
  await page.goto('/data?tab=orders&status=pending&sort=total&dir=desc');
  await enhanced(page);
  const downloadPromise = page.waitForEvent('download');
  await page.getByTestId('export-csv').click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe('orders.csv');
  const file = await download.path();
  const lines = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  expect(lines[0]).toMatch(/^id,customer_name,customer_email/);
  expect(lines).toHaveLength(6); // header + 5 pending orders
  const totals = lines.slice(1).map((l) => Number(l.split(',')[10]));
  expect([...totals].sort((a, b) => b - a)).toEqual(totals);
});

test('the knowledge base tab lists the chunks a page at a time and searches them', async ({ page }) => {
  await page.goto('/data');
  await enhanced(page);
  await markWindow(page);
  await page.locator('[data-tab="knowledge"]').click();
  await expect(page).toHaveTitle(/Knowledge Base · Data Views/);
  const rows = page.getByTestId('kb-row');
  const count = page.getByTestId('row-count');
  await expect(count).toContainText(/\d+ of \d+ chunks/);
  const [, matching, all] = ((await count.innerText()).match(/(\d+) of (\d+) chunks/) ?? []).map(Number);
  expect(matching).toBeGreaterThanOrEqual(120);
  expect(all).toBe(matching); // no search yet
  await expect(rows).toHaveCount(10);
  await expect(page.getByTestId('pager-label')).toHaveText(`Showing 1–10 of ${matching}`);
  const firstOfPageOne = await rows.first().locator('code').innerText();
  await page.getByTestId('pager').getByRole('link', { name: 'Next ›' }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.getByTestId('pager-label')).toHaveText(`Showing 11–20 of ${matching}`);
  await expect(rows).toHaveCount(10);
  await expect(rows.first().locator('code')).not.toHaveText(firstOfPageOne);
  expect(await windowMarker(page)).toBe(42); // the pager's links navigate without a reload
  await page.getByTestId('kb-table').getByRole('searchbox').fill('chargeback');
  await page.getByTestId('kb-table').getByRole('button', { name: 'Search' }).click();
  await expect(page.getByTestId('row-count')).toContainText(/of \d+ chunks/);
  await expect(rows.first()).toContainText('chargeback');
  expect(await rows.count()).toBeLessThan(10);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the table renders and the search form works', async ({ page }) => {
    await page.goto('/data?tab=shipping&carrier=UPS');
    await expect(page.getByTestId('row-count')).toContainText('44 rows');
    await page.getByTestId('search').fill('10001');
    await page.getByTestId('search').press('Enter');
    await expect(page).toHaveURL(/q=10001/);
    await expect(page.getByTestId('row-count')).toContainText('2 rows');
    await page.locator('th a[data-sort="days"]').click();
    await expect(page).toHaveURL(/sort=days/);
    await expect(page.getByTestId('row-count')).toContainText('2 rows');
  });
});
