import { test, expect } from '@playwright/test';
import { hydrated, watchConsole } from './helpers';

// The embedded SmolLM2 model answers (no key, no network); the first reply also loads it.
test.describe.configure({ timeout: 120_000 });

test('a message streams a pirate reply token by token, and it survives a reload', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/pirate');
  await hydrated(page);
  await expect(page.getByTestId('bubble').first()).toContainText('Ahoy');
  // Record the reply's text on every DOM change, however fast the tokens come.
  await page.evaluate(() => {
    const w = window as unknown as { __lengths: number[] };
    w.__lengths = [];
    const list = document.querySelector('[data-testid=messages]');
    if (!list) return;
    new MutationObserver(() => {
      const el = document.querySelector('[data-testid=streaming]') as HTMLElement | null;
      const text = el?.innerText.replace(/Thinking…|Waiting for the model.*/g, '').trim() ?? '';
      if (text.length > 0) w.__lengths.push(text.length);
    }).observe(list, { subtree: true, childList: true, characterData: true });
  });
  await page.getByTestId('chat-input').fill('Tell me a story about a parrot in five sentences.');
  await page.getByTestId('chat-input').press('Enter');
  await expect(page.getByTestId('streaming')).toBeVisible();
  await expect(page.getByTestId('send')).toBeVisible({ timeout: 90_000 });
  const reply = page.locator('[data-testid=bubble][data-role=assistant]').last();
  await expect(reply.getByTestId('detail')).toContainText('SmolLM2-135M-Instruct (embedded)');
  await expect(page.getByTestId('answered-by')).toContainText('SmolLM2-135M-Instruct');
  const replyText = await reply.locator('div').first().innerText();
  expect(replyText.length).toBeGreaterThan(5);
  // The text grew in several steps before the finished reply replaced it.
  const lengths = await page.evaluate(() => (window as unknown as { __lengths: number[] }).__lengths);
  expect(new Set(lengths).size).toBeGreaterThan(2);

  await page.reload();
  await hydrated(page);
  await expect(page.locator('[data-testid=bubble][data-role=user]')).toContainText(['Tell me a story about a parrot in five sentences.']);
  await expect(page.locator('[data-testid=bubble][data-role=assistant]').last()).toContainText(replyText.slice(0, 20));
  expect(problems).toEqual([]);
});

test('Stop ends the reply early and Clear empties the chat', async ({ page }) => {
  await page.goto('/pirate');
  await hydrated(page);
  await page.getByTestId('chat-input').fill('Tell me a very long story about a voyage across every ocean.');
  await page.getByTestId('send').click();
  const streaming = page.getByTestId('streaming');
  await expect(streaming).not.toHaveText(/^(Thinking…|Waiting.*)?$/, { timeout: 60_000 });
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('send')).toBeVisible();
  const last = page.locator('[data-testid=bubble][data-role=assistant]').last();
  await expect(last.getByTestId('detail')).toContainText('stopped');
  await expect(page.getByTestId('chat-error')).toHaveCount(0);

  await page.getByTestId('clear').click();
  await expect(page.locator('[data-testid=bubble][data-role=user]')).toHaveCount(0);
  await page.reload();
  await hydrated(page);
  await expect(page.locator('[data-testid=bubble][data-role=user]')).toHaveCount(0);
  await expect(page.getByTestId('bubble')).toHaveCount(1); // only the greeting
});

test('an empty message cannot be sent', async ({ page }) => {
  await page.goto('/pirate');
  await hydrated(page);
  await expect(page.getByTestId('send')).toBeDisabled();
  await page.getByTestId('chat-input').fill('   ');
  await expect(page.getByTestId('send')).toBeDisabled();
});
