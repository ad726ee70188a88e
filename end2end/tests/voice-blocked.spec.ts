import { test, expect } from '@playwright/test';
import { hydrated } from './helpers';

// Without microphone permission (the browser's default here: no prompt is answered), pressing the
// microphone says why nothing is recorded, in a sentence, and the page stays usable.
test('a blocked or missing microphone is explained, and typing still works', async ({ page, context }) => {
  await context.clearPermissions();
  await page.goto('/pirate');
  await hydrated(page);
  const mic = page.getByTestId('mic');
  // voice.js arrives after hydration, and the button is disabled until it has run (pressed
  // before, it could only say "Voice is still loading": CI caught that race).
  await expect(mic).toBeEnabled();
  expect(await page.evaluate(() => 'aiVoice' in window)).toBe(true);
  await mic.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('chat-error')).toContainText(
    /The browser blocked the microphone|No microphone was found|The microphone could not start/,
  );
  await expect(mic).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByTestId('chat-input')).toBeEditable();
});
