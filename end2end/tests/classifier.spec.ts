import { test, expect } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hydrated, watchConsole } from './helpers';

// Real CIFAR-10 photos from ../shared/data (CI lays shared/ beside the clone); the classifier is
// the real EfficientNet-Lite0 on the server.
const cifar = process.env.CIFAR_DIR ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'cifar10-subset');
const photo = (cls: string, name: string) => path.join(cifar, 'test', cls, name);
// A bare clone has no ../shared: the tests that upload photos say so and skip (CI has it).
const photos = fs.existsSync(path.join(cifar, 'test'));
const needPhotos = () => {
  if (!photos) console.warn(`!!! SKIPPED: no CIFAR-10 photos at ${cifar} (../shared/data; set CIFAR_DIR)`);
  test.skip(!photos, `no CIFAR-10 photos at ${cifar} (../shared/data is absent; set CIFAR_DIR)`);
};

test('a picked photo is previewed and classified, with bars, ImageNet guesses and a live threshold', async ({ page }) => {
  needPhotos();
  const problems = watchConsole(page);
  await page.goto('/classifier');
  await hydrated(page);
  await expect(page.getByTestId('result-empty')).toBeVisible();
  await expect(page.getByTestId('class-superman')).toBeVisible();
  await expect(page.getByTestId('superman-note')).toContainText('drew his first examples');

  await page.getByTestId('file-input').setInputFiles(photo('airplane', 'airplane-0001.jpg'));
  await expect(page.getByTestId('preview')).toBeVisible();
  await expect(page.getByTestId('predicted-class')).toBeVisible();
  const answer = (await page.getByTestId('predicted-class').textContent())?.trim();
  expect(['bird', 'plane', 'other', 'superman']).toContain(answer);
  for (const cls of ['bird', 'plane', 'other', 'superman']) {
    await expect(page.getByTestId(`prob-${cls}`)).toContainText('%');
  }
  await expect(page.getByTestId('imagenet').locator('li')).toHaveCount(5);
  await expect(page.getByTestId('timing')).toContainText('32×32 px');

  // At a threshold of 100% only "other" can answer; at 0% the top guess always does.
  await page.getByTestId('threshold').fill('1');
  await expect(page.getByTestId('predicted-class')).toHaveText('other');
  await page.getByTestId('threshold').fill('0.8');
  // The threshold is explained in terms of the calibrated probabilities.
  await expect(page.getByTestId('calibration-note')).toContainText('of answers given at 80.0%, about 8 in 10 are right');
  await expect(page.getByTestId('calibration-note')).toContainText('calibrated on held-out photos');
  await page.getByTestId('threshold').fill('0');
  await expect(page.getByTestId('threshold-applied')).toHaveCount(0);
  const top = (await page.getByTestId('confidence').textContent())?.match(/Top guess (\S+)/)?.[1];
  await expect(page.getByTestId('predicted-class')).toHaveText(top ?? '?');
  expect(problems).toEqual([]);
});

test('a drawn sample is classified as superman, and a text file gets a sentence', async ({ page }) => {
  await page.goto('/classifier');
  await hydrated(page);
  await page.getByTestId('sample-superman-emblem').click();
  await expect(page.getByTestId('predicted-class')).toHaveText('superman');

  await page.getByTestId('file-input').setInputFiles({ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a picture at all') });
  await expect(page.getByTestId('classifier-error')).toContainText('not a JPEG, PNG, GIF or WebP');
});

test('a class taught from a few photos appears, answers, and goes away on reset', async ({ page }) => {
  needPhotos();
  await page.goto('/classifier');
  await hydrated(page);
  await page.getByTestId('teach-class').fill('Cat');
  await page.getByTestId('teach-files').setInputFiles(
    [0, 1, 2, 3, 4].map((i) => photo('other', `cat-000${i}.jpg`)),
  );
  await expect(page.getByTestId('teach-submit')).toHaveText('Teach with 5 picture(s)');
  await page.getByTestId('teach-submit').click();
  await expect(page.getByTestId('teach-message')).toContainText('Taught “cat” with 5 picture(s)', { timeout: 60_000 });
  await expect(page.getByTestId('class-cat')).toContainText('5');

  await page.getByTestId('threshold').fill('0');
  await page.getByTestId('file-input').setInputFiles(photo('other', 'cat-0000.jpg'));
  await expect(page.getByTestId('prob-cat')).toBeVisible();
  await expect(page.getByTestId('predicted-class')).toHaveText('cat');

  // The taught class survives a reload (kept on the server), then a two-step reset removes it.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('class-cat')).toBeVisible();
  await page.getByTestId('reset').click();
  await expect(page.getByTestId('reset')).toContainText('Click again');
  await page.getByTestId('reset').click();
  await expect(page.getByTestId('class-cat')).toHaveCount(0);
});

test('on a phone the drop zone and the answer stack in one column', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/classifier');
  await hydrated(page);
  const zone = await page.getByTestId('drop-zone').boundingBox();
  const result = await page.getByTestId('result').boundingBox();
  expect(zone && result && result.y > zone.y + zone.height - 1).toBeTruthy();
  expect((zone?.width ?? 0) <= 390).toBeTruthy();
});

test('a picture can be dropped on the zone or pasted anywhere', async ({ page }) => {
  needPhotos();
  await page.goto('/classifier');
  await hydrated(page);
  const send = (kind: 'drop' | 'paste') =>
    page.evaluate(async (kind) => {
      const blob = await (await fetch('/api/classifier/samples/superman-emblem-2.png')).blob();
      const data = new DataTransfer();
      data.items.add(new File([blob], 'emblem.png', { type: 'image/png' }));
      if (kind === 'drop') {
        document.querySelector('[data-testid=drop-zone]')!.dispatchEvent(
          new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }),
        );
      } else {
        document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      }
    }, kind);
  await send('drop');
  await expect(page.getByTestId('predicted-class')).toHaveText('superman');
  await page.getByTestId('file-input').setInputFiles(photo('bird', 'bird-0000.jpg'));
  await expect(page.getByTestId('timing')).toContainText('32×32 px');
  await send('paste');
  await expect(page.getByTestId('timing')).toContainText('224×224 px');
  await expect(page.getByTestId('predicted-class')).toHaveText('superman');
});
