import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hydrated, watchConsole } from './helpers';
import config from '../playwright.config';

// Voice as a person uses it: Chromium's fake microphone plays a question (spoken by flite, with
// silence before and after so the pause ends the turn), the page records it as the browser does
// (WebM/Opus), the server's Whisper transcribes it and the support agent answers; then the reply
// is read aloud. The WAV is made here, before the browser starts, because Chromium reads it at
// launch.
const question = 'Do you have noise cancelling headphones under three hundred dollars?';
const wav = path.join(os.tmpdir(), `ai-portfolio-e2e-voice-${process.pid}.wav`);

function makeQuestion(): boolean {
  try {
    // A file, not /dev/stdout: Node's pipes are sockets, which flite cannot open by path.
    execFileSync('flite', ['-voice', 'rms', '-t', question, '-o', `${wav}.flite`]);
    const spoken = fs.readFileSync(`${wav}.flite`);
    fs.rmSync(`${wav}.flite`);
    // flite writes 16 kHz mono 16-bit PCM with a 44-byte header; pad with silence.
    const rate = spoken.readUInt32LE(24);
    const pcm = spoken.subarray(44);
    const silence = (seconds: number) => Buffer.alloc(Math.round(rate * seconds) * 2);
    const body = Buffer.concat([silence(1), pcm, silence(3)]);
    const header = Buffer.from(spoken.subarray(0, 44));
    header.writeUInt32LE(36 + body.length, 4);
    header.writeUInt32LE(body.length, 40);
    fs.writeFileSync(wav, Buffer.concat([header, body]));
    return true;
  } catch {
    return false;
  }
}

const haveFlite = makeQuestion();

// The configuration's browser, with a fake microphone that plays the question.
const shared = config.use?.launchOptions ?? {};
test.use({
  launchOptions: {
    ...shared,
    args: [
      ...(shared.args ?? []),
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}%noloop`,
      '--autoplay-policy=no-user-gesture-required',
    ],
  },
});
test.describe.configure({ timeout: 150_000 });

test('a question asked by voice is transcribed, answered and read aloud', async ({ page }) => {
  test.skip(!haveFlite, 'flite is not installed (scripts/setup.sh installs it)');
  const problems = watchConsole(page);
  await expect
    .poll(async () => (await (await page.request.get('/health/ready')).json()).components.knowledge_base.state, { timeout: 90_000 })
    .toBe('ready');
  await page.goto('/support');
  await hydrated(page);
  await page.getByTestId('send-spoken').check();

  // The keyboard path: focus the microphone and press Enter; the pause after speaking ends it.
  const mic = page.getByTestId('mic');
  await expect(mic).toHaveAccessibleName(/Speak your message/);
  await expect(mic).toBeEnabled();
  const transcribed = page.waitForResponse((r) => r.url().endsWith('/api/voice/transcribe'), { timeout: 60_000 });
  await mic.focus();
  await page.keyboard.press('Enter');
  await expect(mic).toHaveAttribute('aria-pressed', 'true');
  const response = await transcribed;
  expect(response.status()).toBe(200);
  const heard = await response.json();
  expect(heard.format).toBe('WebM/Opus');
  expect(heard.text.toLowerCase()).toContain('headphones');

  const reply = page.getByTestId('assistant-message').last();
  await expect(page.getByTestId('user-message').last()).toContainText('headphones', { timeout: 60_000 });
  await expect(reply).toContainText('Pulse Pro', { timeout: 60_000 });

  const spoken = page.waitForResponse((r) => r.url().endsWith('/api/voice/speak'));
  await reply.getByTestId('speak').click();
  const audio = await spoken;
  expect(audio.status()).toBe(200);
  expect(audio.headers()['content-type']).toBe('audio/wav');
  expect(problems).toEqual([]);
});

test('the pirate page offers the microphone, the voice settings and a voice of its own', async ({ page }) => {
  test.skip(!haveFlite, 'flite is not installed (scripts/setup.sh installs it)');
  await page.goto('/pirate');
  await hydrated(page);
  await expect(page.getByTestId('mic')).toBeEnabled();
  await expect(page.getByTestId('answer-aloud')).not.toBeChecked();
  const spoken = page.waitForResponse((r) => r.url().endsWith('/api/voice/speak'));
  await page.getByTestId('bubble').first().getByTestId('speak').click();
  const audio = await spoken;
  expect(audio.status()).toBe(200);
  expect(JSON.parse(audio.request().postData() ?? '{}').voice).toBe('pirate');
});

test('where the browser cannot record Opus (Safari), the samples go as WAV and land in the box to review', async ({ page }) => {
  test.skip(!haveFlite, 'flite is not installed (scripts/setup.sh installs it)');
  // As in Safari, which records only MP4/AAC: no Opus type is supported.
  await page.addInitScript(() => {
    MediaRecorder.isTypeSupported = () => false;
  });
  await page.goto('/support');
  await hydrated(page);
  const transcribed = page.waitForResponse((r) => r.url().endsWith('/api/voice/transcribe'), { timeout: 60_000 });
  await page.getByTestId('mic').click();
  const response = await transcribed;
  expect(response.status()).toBe(200);
  const heard = await response.json();
  expect(heard.format).toBe('WAV');
  // Not sent: the words wait in the box to be reviewed.
  await expect(page.locator('#support-input')).toHaveValue(/headphones/i);
  await expect(page.getByTestId('user-message')).toHaveCount(0);
});
