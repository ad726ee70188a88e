import { test, expect, type Page } from '@playwright/test';
import { hydrated, signIn, watchConsole } from './helpers';

// An answer that arrives after its view is gone is dropped quietly. Inside an island (the desk's
// tabs) a late answer once read a signal of the vanished view, and the panic stopped the whole
// desk (CI caught it: the ticket list read its filter after the tab was left). Leaving a page is
// an ordinary page load, which must leave nothing broken either. Each test holds one real answer
// back (the server's own, delivered late by the browser's request routing), leaves, lets the
// answer land, and checks the app still works.
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

/** Opens `path` in a fresh page, hydrated; returns the console problems seen from then on. */
async function openHydrated(page: Page, path: string): Promise<string[]> {
  const problems = watchConsole(page);
  await page.goto(path);
  await hydrated(page);
  return problems;
}

/** Leaves for Architecture through the main navigation (an ordinary page load: the old page and
 * its request are gone), lets the held answer land, comes back and checks the page hydrates
 * again, with no console problem on the way. */
async function leaveAndCheck(page: Page, path: string, release: () => Promise<void>, problems: string[]) {
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Architecture' }).click();
  await expect(page).toHaveURL(/\/architecture$/);
  await expect(nav.getByRole('link', { name: 'Architecture' })).toHaveAttribute('aria-current', 'page');
  await release();
  await page.goBack();
  await expect(page).toHaveURL(new RegExp(`${path}$`));
  await hydrated(page);
  expect(problems).toEqual([]);
}

test('leaving the pirate chat while a reply is on its way stops nothing else', async ({ page }) => {
  const problems = await openHydrated(page, '/pirate');
  const reply = await holdAnswers(page, /\/api\/pirate\/chat/);
  await page.getByTestId('chat-input').fill('Ahoy! Name one sea bird.');
  await page.getByTestId('chat-input').press('Enter');
  await reply.asked;
  await leaveAndCheck(page, '/pirate', reply.release, problems);
});

test('leaving the GPT page while it writes stops nothing else', async ({ page }) => {
  const problems = await openHydrated(page, '/gpt');
  await expect(page.getByTestId('gpt-model')).toContainText('shakespeare');
  const text = await holdAnswers(page, /\/api\/gpt\/generate/);
  await page.getByTestId('gpt-max-tokens').fill('40');
  await page.getByTestId('gpt-generate').click();
  await text.asked;
  await leaveAndCheck(page, '/gpt', text.release, problems);
});

test('leaving the classifier before a sample came back stops nothing else', async ({ page }) => {
  const problems = await openHydrated(page, '/classifier');
  const sample = await holdAnswers(page, /\/api\/classifier\/samples\//);
  await page.getByTestId('sample-superman-emblem').click();
  await sample.asked;
  await leaveAndCheck(page, '/classifier', sample.release, problems);
});
