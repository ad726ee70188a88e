import { test, expect } from '@playwright/test';
import { hydrated, watchConsole } from './helpers';

// The embedded SmolLM2 model answers (no key, no network); the first reply also loads it.
test.describe.configure({ timeout: 120_000 });

test('a message streams a pirate reply token by token, and it survives a reload', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/pirate');
  await hydrated(page);
  await expect(page.getByTestId('bubble').first()).toContainText('Ahoy');
  await page.getByTestId('chat-input').fill('What is the capital of France?');
  await page.getByTestId('chat-input').press('Enter');

  // Watch the reply grow while it is being written.
  const streaming = page.getByTestId('streaming');
  await expect(streaming).toBeVisible();
  const lengths: number[] = [];
  await expect
    .poll(
      async () => {
        const text = (await streaming.innerText().catch(() => '')).replace(/Thinking…|Waiting for the model.*/g, '');
        lengths.push(text.length);
        return new Set(lengths.filter((n) => n > 0)).size;
      },
      { timeout: 60_000, intervals: [100] },
    )
    .toBeGreaterThan(2);

  await expect(page.getByTestId('send')).toBeVisible({ timeout: 90_000 });
  const reply = page.locator('[data-testid=bubble][data-role=assistant]').last();
  await expect(reply.getByTestId('detail')).toContainText('SmolLM2-135M-Instruct (embedded)');
  await expect(page.getByTestId('answered-by')).toContainText('SmolLM2-135M-Instruct');
  const replyText = await reply.locator('div').first().innerText();
  expect(replyText.length).toBeGreaterThan(5);

  await page.reload();
  await hydrated(page);
  await expect(page.locator('[data-testid=bubble][data-role=user]')).toContainText(['What is the capital of France?']);
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
