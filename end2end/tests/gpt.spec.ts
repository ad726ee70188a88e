import { test, expect } from '@playwright/test';
import { hydrated, watchConsole } from './helpers';

// The shipped Shakespeare model, in process on candle (no key, no network).
test.describe.configure({ timeout: 90_000 });

test('generation streams characters, reports its speed and reproduces with the same seed', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/gpt');
  await hydrated(page);
  // The page's defaults.
  await expect(page.getByTestId('gpt-seed')).toHaveValue('42');
  await expect(page.getByTestId('gpt-max-tokens')).toHaveValue('100');
  await expect(page.getByTestId('gpt-temperature')).toHaveValue('0.8');
  await expect(page.getByTestId('gpt-model')).toContainText('shakespeare');
  await expect(page.getByTestId('gpt-model')).toContainText('milton');
  await expect(page.getByTestId('gpt-model-info')).toContainText('validation loss');

  // Record the text's length on every change: characters must arrive in several steps.
  await page.evaluate(() => {
    const w = window as unknown as { __lengths: number[] };
    w.__lengths = [];
    const out = document.querySelector('[data-testid=gpt-output]');
    if (!out) return;
    new MutationObserver(() => {
      const el = document.querySelector('[data-testid=gpt-text]') as HTMLElement | null;
      w.__lengths.push(el?.innerText.length ?? 0);
    }).observe(out, { subtree: true, childList: true, characterData: true });
  });
  await page.getByTestId('gpt-max-tokens').fill('300');
  await page.getByTestId('gpt-generate').click();
  await expect(page.getByTestId('gpt-generate')).toHaveText('Generate again', { timeout: 60_000 });
  const first = await page.getByTestId('gpt-text').innerText();
  expect(first.length).toBeGreaterThan(250); // 300 characters (the page trims nothing but whitespace rendering)
  const lengths = await page.evaluate(() => (window as unknown as { __lengths: number[] }).__lengths);
  expect(new Set(lengths.filter((n) => n > 0)).size).toBeGreaterThan(3);
  await expect(page.getByTestId('gpt-stats')).toContainText('300 characters');
  await expect(page.getByTestId('gpt-stats')).toContainText('characters/s');
  await expect(page.getByTestId('gpt-backend')).toContainText('candle');
  await expect(page.getByTestId('gpt-prompt-echo')).toHaveText('ROMEO:');

  // The same seed and settings: the same text, and the page says so.
  await page.getByTestId('gpt-generate').click();
  await expect(page.getByTestId('gpt-reproduced')).toContainText('the same text again', { timeout: 60_000 });
  expect(await page.getByTestId('gpt-text').innerText()).toBe(first);

  // Another seed, another text.
  await page.getByTestId('gpt-seed').fill('7');
  await page.getByTestId('gpt-generate').click();
  await expect(page.getByTestId('gpt-generate')).toHaveText('Generate again', { timeout: 60_000 });
  await expect(page.getByTestId('gpt-stats')).toContainText('300 characters');
  expect(await page.getByTestId('gpt-text').innerText()).not.toBe(first);
  expect(problems).toEqual([]);
});

test('the keyboard generates, another model answers, and bad settings get a sentence', async ({ page }) => {
  await page.goto('/gpt');
  await hydrated(page);
  await page.getByTestId('gpt-model').selectOption('milton');
  await page.getByTestId('gpt-context').fill('Of Man');
  await page.getByTestId('gpt-max-tokens').fill('40');
  await page.getByTestId('gpt-context').press('Control+Enter');
  await expect(page.getByTestId('gpt-stats')).toContainText('40 characters', { timeout: 60_000 });
  await expect(page.getByTestId('gpt-prompt-echo')).toHaveText('Of Man');

  await page.getByTestId('gpt-max-tokens').fill('0');
  await page.getByTestId('gpt-generate').click();
  await expect(page.getByTestId('gpt-error')).toContainText('Max tokens must be a whole number from 1 to 500');

  // A character the model never saw is refused by the service, naming the problem.
  await page.getByTestId('gpt-max-tokens').fill('20');
  await page.getByTestId('gpt-context').fill('Ω');
  await page.getByTestId('gpt-generate').click();
  await expect(page.getByTestId('gpt-error')).toContainText('does not know these characters');
});
