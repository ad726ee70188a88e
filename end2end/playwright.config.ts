import { defineConfig } from '@playwright/test';
import * as os from 'node:os';
import * as path from 'node:path';

// The server under test: the binary scripts/build.sh made, on a fresh SQLite file, port 3300.
const port = Number(process.env.E2E_PORT ?? 3300);
const targetDir = process.env.CARGO_TARGET_DIR ?? path.resolve(__dirname, '..', 'target');
const binary = process.env.E2E_SERVER_BIN ?? path.join(targetDir, 'debug', 'ai-portfolio');
const dbFile = path.join(os.tmpdir(), `ai-portfolio-e2e-${process.pid}.db`);
const kbDir = path.join(os.tmpdir(), `ai-portfolio-e2e-kb-${process.pid}`);
const imagesDir = path.join(os.tmpdir(), `ai-portfolio-e2e-images-${process.pid}`);
const classifierDir = path.join(os.tmpdir(), `ai-portfolio-e2e-classifier-${process.pid}`);
const fakeStabilityPort = port + 1;
const webhookPort = port + 2;
const webhookSecret = 'e2e-webhook-secret-0123456789';

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // `list`: the html reporter serves its report on failure and would block CI.
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'off',
    launchOptions: {
      // Debian's Chromium; Playwright's own browser download is never used.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: [
  {
    // FAKES of the Stability AI and OpenAI Images cloud APIs (the real ones cannot be reached).
    command: 'node end2end/fakes/image-providers.mjs',
    cwd: path.resolve(__dirname, '..'),
    port: fakeStabilityPort,
    timeout: 10_000,
    reuseExistingServer: false,
    env: { FAKE_STABILITY_PORT: String(fakeStabilityPort) },
  },
  {
    // The team's webhook endpoint: it checks each alert's signature and lists what arrived.
    command: 'node end2end/fakes/webhook-receiver.mjs',
    cwd: path.resolve(__dirname, '..'),
    url: `http://127.0.0.1:${webhookPort}/`,
    timeout: 10_000,
    reuseExistingServer: false,
    env: { WEBHOOK_RECEIVER_PORT: String(webhookPort), WEBHOOK_SECRET: webhookSecret },
  },
  {
    command: `rm -rf ${dbFile}* ${kbDir} ${imagesDir} ${classifierDir} && ${binary}`,
    cwd: path.resolve(__dirname, '..'),
    url: `http://127.0.0.1:${port}/health`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite://${dbFile}?mode=rwc`,
      SITE_ROOT: 'target/site-dev',
      LOG_LEVEL: 'warn',
      CHAT_RATE_PER_MINUTE: '600',
      MODELS_DIR: path.resolve(__dirname, '..', 'models'),
      KB_DIR: kbDir,
      IMAGES_DIR: imagesDir,
      CLASSIFIER_DIR: classifierDir,
      STABILITY_BASE_URL: `http://127.0.0.1:${fakeStabilityPort}`,
      OPENAI_IMAGE_BASE_URL: `http://127.0.0.1:${fakeStabilityPort}/v1`,
      OPENAI_IMAGE_MODEL: 'sd-turbo',
      OPENAI_API_KEY: '',
      STABILITY_KEY: 'sk-e2e-stability',
      // The support desk's first administrator (tests sign in with it).
      ADMIN_EMAIL: 'admin@store.example',
      ADMIN_PASSWORD: 'e2e admin password',
      ADMIN_NAME: 'Ada Admin',
      // Alerts to the team go to the receiver above, signed.
      WEBHOOK_URLS: `http://127.0.0.1:${webhookPort}/hook`,
      WEBHOOK_SECRET: webhookSecret,
    },
  },
  ],
});
