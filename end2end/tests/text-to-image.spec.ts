import { test, expect } from '@playwright/test';
import { hydrated, watchConsole } from './helpers';

// Stability AI and the OpenAI-compatible image server are local FAKES of the cloud APIs here
// (end2end/fakes/image-providers.mjs): real multipart and JSON requests, real PNGs back, a
// finish-reason header; nothing leaves the machine.

test('an image is generated, downloaded, comes from the cache the second time, and is deleted', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/text-to-image');
  await hydrated(page);
  await expect(page.getByTestId('provider')).toContainText('Stability AI SD3');
  await expect(page.getByTestId('provider-note')).toContainText('costs money');
  await expect(page.getByTestId('result-empty')).toBeVisible();

  await page.getByTestId('prompt').fill('A lighthouse on a cliff at dusk');
  await page.getByTestId('random-seed').uncheck();
  await page.getByTestId('seed').fill('4242');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('progress')).toBeVisible();
  const image = page.getByTestId('result-image');
  await expect(image).toBeVisible();
  expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(128);
  await expect(page.getByTestId('result-source')).toContainText('Generated in');
  await expect(page.getByTestId('result-seed')).toContainText('seed 4242');
  await expect(page.getByTestId('gallery-item')).toHaveCount(1);

  const download = page.waitForEvent('download');
  await page.getByTestId('download').click();
  expect((await download).suggestedFilename()).toMatch(/seed-4242\.png$/);

  await page.getByTestId('generate').click();
  await expect(page.getByTestId('result-source')).toContainText('From the cache');
  await expect(page.getByTestId('gallery-item')).toHaveCount(1);

  // The gallery survives a reload.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('gallery-item')).toHaveCount(1);
  await page.getByTestId('gallery-item').getByTestId('delete').click();
  await expect(page.getByTestId('gallery-empty')).toBeVisible();
  expect(problems).toEqual([]);
});

test('a filtered result says so, and a provider error is a sentence', async ({ page }) => {
  await page.goto('/text-to-image');
  await hydrated(page);
  await page.getByTestId('prompt').fill('something forbidden');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('filtered')).toContainText('content filter');

  await page.getByTestId('prompt').fill('a painting, but no credits left');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('image-error')).toContainText('run out of credits');

  await page.getByTestId('prompt').fill('');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('image-error')).toContainText('Describe the image');
});

test('an OpenAI-compatible image server is a second provider', async ({ page }) => {
  await page.goto('/text-to-image');
  await hydrated(page);
  await page.getByTestId('provider').selectOption('compatible');
  await expect(page.getByTestId('provider-note')).toContainText('ignores the seed');
  await page.getByTestId('prompt').fill('A tiny robot reading a book');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('result-image')).toBeVisible();
  await expect(page.getByText('compatible · sd-turbo')).toBeVisible();
  await page.getByTestId('prompt').fill('something forbidden');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('image-error')).toContainText('safety system refused');
});
