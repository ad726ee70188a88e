import { test, expect, type Page } from '@playwright/test';
import { hydrated, markWindow, signIn, watchConsole, windowMarker } from './helpers';

// An answer that arrives after its view is gone (another page, another desk tab) is dropped
// quietly. Before, a late answer read a signal of the vanished view, and the panic stopped the
// whole app (CI caught it on the desk: the ticket list read its filter after the tab was left).
// Each test holds one real answer back (the server's own, delivered late by the browser's request
// routing), leaves the view, lets the answer land, and checks the app still works.
test.describe.configure({ timeout: 120_000 });

/** Holds the answers to requests matching `url`: `asked` resolves on the first such request;
 * `release` hands every held answer to the page (or drops it if the page abandoned the request)
 * and gives the page's tasks a moment to run. */
async function holdAnswers(page: Page, url: string | RegExp) {
  let open: () => void = () => {};
  const released = new Promise<void>((resolve) => (open = resolve));
  const handed: Promise<void>[] = [];
  let seen: () => void = () => {};
  const asked = new Promise<void>((resolve) => (seen = resolve));
  await page.route(url, (route) => {
    seen();
    handed.push(
      (async () => {
        // The server's real answer, in full, held until released.
        const response = await route.fetch().catch(() => null);
        await released;
        if (response) await route.fulfill({ response }).catch(() => {});
        else await route.abort().catch(() => {});
      })(),
    );
  });
  return {
    asked,
    release: async () => {
      open();
      await Promise.all(handed);
      await page.unroute(url);
      // The page's tasks run after the answer is handed over.
      await page.waitForTimeout(500);
    },
  };
}

test('a desk tab left before its list arrived does not stop the desk', async ({ page }) => {
  await signIn(page);
  const problems = watchConsole(page);
  const tickets = await holdAnswers(page, /\/api\/desk\/tickets/);
  await page.getByRole('tab', { name: 'Tickets' }).click();
  await tickets.asked;
  await page.getByRole('tab', { name: /Conversations/ }).click();
  await tickets.release();
  // Still alive: the tab opens again and its list loads.
  await page.getByRole('tab', { name: 'Tickets' }).click();
  await expect(page.getByTestId('ticket-table')).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Tickets' })).toHaveAttribute('aria-selected', 'true');
  expect(problems).toEqual([]);
});

/** Opens `path` in a fresh page, hydrated and marked (the mark survives only client-side
 * navigation); returns the console problems seen from then on. */
async function openMarked(page: Page, path: string): Promise<string[]> {
  const problems = watchConsole(page);
  await page.goto(path);
  await hydrated(page);
  await markWindow(page);
  return problems;
}

/** Leaves for Architecture through the main navigation (no reload), lets the held answer land,
 * and checks the app still moves, without a reload or a console problem. */
async function leaveAndCheck(page: Page, release: () => Promise<void>, problems: string[]) {
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Architecture' }).click();
  await expect(page).toHaveURL(/\/architecture$/);
  await release();
  await nav.getByRole('link', { name: 'Home' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(nav.getByRole('link', { name: 'Home' })).toHaveAttribute('aria-current', 'page');
  expect(await windowMarker(page)).toBe(42);
  expect(problems).toEqual([]);
}

test('leaving the pirate chat while a reply is on its way stops nothing else', async ({ page }) => {
  const problems = await openMarked(page, '/pirate');
  const reply = await holdAnswers(page, /\/api\/pirate\/chat/);
  await page.getByTestId('chat-input').fill('Ahoy! Name one sea bird.');
  await page.getByTestId('chat-input').press('Enter');
  await reply.asked;
  await leaveAndCheck(page, reply.release, problems);
});

test('leaving the GPT page while it writes stops nothing else', async ({ page }) => {
  const problems = await openMarked(page, '/gpt');
  await expect(page.getByTestId('gpt-model')).toContainText('shakespeare');
  const text = await holdAnswers(page, /\/api\/gpt\/generate/);
  await page.getByTestId('gpt-max-tokens').fill('40');
  await page.getByTestId('gpt-generate').click();
  await text.asked;
  await leaveAndCheck(page, text.release, problems);
});

test('leaving the classifier before a sample came back stops nothing else', async ({ page }) => {
  const problems = await openMarked(page, '/classifier');
  const sample = await holdAnswers(page, /\/api\/classifier\/samples\//);
  await page.getByTestId('sample-superman-emblem').click();
  await sample.asked;
  await leaveAndCheck(page, sample.release, problems);
});
