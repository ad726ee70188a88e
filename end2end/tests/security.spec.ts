import { test, expect, type Page } from '@playwright/test';
import { enhanced, hydrated, signIn, watchConsole } from './helpers';

// Two visitors keep their own demo state, and hostile content typed by customers, staff and
// document authors is shown as text on every page that displays it: nothing runs.
test.describe.configure({ timeout: 180_000 });

/** Known XSS shapes: script tags, event handlers, javascript: and data: URLs, SVG, broken
 * markup. Each one that ran would set window.__xss or open a dialog. */
const PAYLOADS = [
  '<script>window.__xss=1;alert("script")</script>',
  '<img src=x onerror="window.__xss=2;alert(2)">',
  '<svg onload="window.__xss=3;alert(3)"><circle r="5"/></svg>',
  '[click me](javascript:window.__xss=4;alert(4))',
  '<a href="javascript:window.__xss=5">js link</a>',
  '[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '"><iframe src="javascript:alert(6)"></iframe><p x="',
  '<<script>alert(7)//<</script> <div style="background:url(javascript:alert(8))">unclosed',
  '<details open ontoggle="window.__xss=9">x</details>',
];
const HOSTILE = PAYLOADS.join('\n\n');

/** Fails on a dialog; returns a check that nothing ran and nothing hostile is in the DOM. */
function guard(page: Page) {
  const dialogs: string[] = [];
  page.on('dialog', async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  const problems = watchConsole(page);
  return async (where: string) => {
    const found = await page.evaluate(() => {
      const hostile: string[] = [];
      if ((window as unknown as { __xss?: number }).__xss !== undefined) hostile.push('window.__xss was set');
      for (const el of Array.from(document.querySelectorAll('body *'))) {
        for (const attr of Array.from(el.attributes)) {
          const value = attr.value.trim().toLowerCase();
          if (attr.name.startsWith('on')) hostile.push(`<${el.tagName.toLowerCase()} ${attr.name}>`);
          if ((attr.name === 'href' || attr.name === 'src') && (value.startsWith('javascript:') || value.startsWith('data:text/html'))) {
            hostile.push(`<${el.tagName.toLowerCase()} ${attr.name}="${value.slice(0, 30)}">`);
          }
        }
      }
      for (const tag of ['iframe', 'object', 'embed', 'details[ontoggle]']) {
        if (document.querySelector(`body ${tag}`)) hostile.push(`a ${tag} element`);
      }
      return hostile;
    });
    expect(found, `hostile markup on ${where}`).toEqual([]);
    expect(dialogs, `dialogs on ${where}`).toEqual([]);
    expect(problems, `console errors on ${where}`).toEqual([]);
  };
}

test('one visitor cannot reset or delete what another taught or generated', async ({ browser }) => {
  const ana = await browser.newContext();
  const ben = await browser.newContext();
  await expect.poll(async () => (await ana.request.get('/api/classifier/info')).status(), { timeout: 90_000 }).toBe(200);
  const sample = async (name: string) => (await ana.request.get(`/api/classifier/samples/${name}.png`)).body();
  const taught = await ana.request.post('/api/classifier/teach', {
    multipart: {
      class: 'ana logo',
      file: { name: 'a.png', mimeType: 'image/png', buffer: await sample('superman-emblem') },
    },
  });
  expect(taught.status(), await taught.text()).toBe(200);
  const made = await ana.request.post('/api/images/generate', { data: { prompt: 'A red kite over a beach', seed: 77 } });
  expect(made.status(), await made.text()).toBe(200);
  const id = (await made.json()).image.id as number;

  // Ben resets his classifier and tries to delete Ana's image.
  const reset = await ben.request.post('/api/classifier/reset');
  expect(reset.status()).toBe(200);
  expect(JSON.stringify(await reset.json())).not.toContain('ana-logo');
  const deleted = await ben.request.delete(`/api/images/${id}`);
  expect(deleted.status()).toBe(404);
  expect((await (await ben.request.get('/api/images')).json()).images.map((i: { id: number }) => i.id)).not.toContain(id);

  // Ana's class and image are still there, in her pages.
  const page = await ana.newPage();
  await page.goto('/classifier');
  await hydrated(page);
  await expect(page.getByText('ana-logo').first()).toBeVisible();
  await page.goto('/text-to-image');
  await hydrated(page);
  await expect(page.getByTestId('gallery-item').filter({ hasText: 'A red kite over a beach' })).toHaveCount(1);
  console.log(`two visitors: Ana taught "ana-logo" and made image ${id}; Ben's reset answered ${reset.status()} and his delete ${deleted.status()}; Ana still has both`);
  await ana.close();
  await ben.close();
});

test('hostile text from customers, staff, documents and prompts is shown, never run', async ({ browser }) => {
  // The customer writes the payloads, then asks for a person.
  const customerContext = await browser.newContext();
  const customer = await customerContext.newPage();
  const customerInert = guard(customer);
  await customer.goto('/support');
  await hydrated(customer);
  await customer.locator('#support-input').fill(HOSTILE);
  await customer.locator('#support-input').press('Enter');
  await expect(customer.getByTestId('assistant-message')).toHaveCount(1, { timeout: 60_000 });
  await customer.getByTestId('talk-to-human').click();
  await expect(customer.getByTestId('escalated-banner')).toBeVisible({ timeout: 60_000 });
  await customerInert('the customer chat');
  const session = (await customerContext.cookies()).find((c) => c.name === 'support_session')?.value;

  // A staff member opens it (the payloads in the transcript) and replies with the payloads.
  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  await signIn(staff);
  const staffInert = guard(staff);
  await staff.getByRole('button', { name: 'escalated', exact: true }).click();
  await staff.locator(`[data-testid=conversation-item][data-id="${session}"]`).click();
  await expect(staff.getByTestId('transcript')).toContainText('js link');
  await staff.getByTestId('claim').click();
  await staff.getByTestId('reply-input').fill(HOSTILE);
  await staff.getByTestId('reply-input').press('Enter');
  await expect(customer.getByTestId('agent-message')).toHaveCount(1);
  await expect(customer.getByTestId('agent-message')).toContainText('js link');
  await customerInert('the customer chat, with the staff reply');
  await staffInert('the desk transcript');

  // A document whose title and text are the payloads, uploaded on the desk, listed and opened.
  await expect
    .poll(async () => (await (await staff.request.get('/health/ready')).json()).components.knowledge_base.state, { timeout: 90_000 })
    .toBe('ready');
  await staff.getByRole('tab', { name: 'Knowledge base' }).click();
  const doc = `# Returns <img src=x onerror="window.__xss=10"> policy\n\n${HOSTILE}\n\n## Refunds\n\nRefunds take <script>alert(11)</script> five days.\n`;
  await staff.getByTestId('kb-file').setInputFiles({ name: 'hostile.md', mimeType: 'text/markdown', buffer: Buffer.from(doc) });
  await staff.getByRole('button', { name: 'Upload and index' }).click();
  const row = staff.getByTestId('kb-document').filter({ hasText: 'Returns' });
  await expect(row.getByTestId('kb-status')).toHaveText('ready', { timeout: 60_000 });
  await row.getByRole('button', { name: /Returns/ }).click();
  await expect(staff.getByTestId('kb-chunks')).toContainText('Refunds');
  await staffInert('the desk knowledge base');
  const html = `<html><body><h1>Setup <script>window.__xss=12</script></h1><p onclick="alert(13)">Hold the button for five seconds.</p>${PAYLOADS.join('<br>')}</body></html>`;
  await staff.getByTestId('kb-file').setInputFiles({ name: 'hostile.html', mimeType: 'text/html', buffer: Buffer.from(html) });
  await staff.getByRole('button', { name: 'Upload and index' }).click();
  await expect(staff.getByTestId('kb-document').filter({ hasText: 'Setup' }).getByTestId('kb-status')).toHaveText('ready', { timeout: 60_000 });
  await staffInert('the desk knowledge base, with an HTML document');

  // Another customer asks about it: the answer may cite the hostile document.
  const readerContext = await browser.newContext();
  const reader = await readerContext.newPage();
  const readerInert = guard(reader);
  await reader.goto('/support');
  await hydrated(reader);
  await reader.locator('#support-input').fill('How long do refunds take?');
  await reader.locator('#support-input').press('Enter');
  await expect(reader.getByTestId('assistant-message')).toHaveCount(1, { timeout: 60_000 });
  await readerInert('a customer chat answered from the documents');
  await readerContext.close();

  // An image prompt made of payloads, shown in the result and the gallery.
  await customer.goto('/text-to-image');
  await hydrated(customer);
  await customer.getByTestId('prompt').fill(PAYLOADS.slice(0, 4).join(' '));
  await customer.getByTestId('generate').click();
  await expect(customer.getByTestId('result-image')).toBeVisible();
  await customer.reload();
  await hydrated(customer);
  await expect(customer.getByTestId('gallery-item').filter({ hasText: 'window.__xss=1' })).toHaveCount(1);
  await customerInert('text-to-image');

  // Data Views shows the escalation's ticket, whose subject is the customer's words.
  for (const tab of ['tickets', 'orders']) {
    await customer.goto(`/data?tab=${tab}`);
    await enhanced(customer);
    await customerInert(`Data Views (${tab})`);
  }
  await staff.goto('/desk');
  await hydrated(staff);
  await staff.getByRole('tab', { name: 'Tickets' }).click();
  await staffInert('the desk tickets');
  console.log(`hostile content: ${PAYLOADS.length} payloads through the customer chat, a staff reply, a Markdown and an HTML document and an image prompt; 0 ran, 0 dialogs, 0 console errors`);
  await customerContext.close();
  await staffContext.close();
});
