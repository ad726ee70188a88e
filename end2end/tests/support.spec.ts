import { test, expect, Page } from '@playwright/test';
import { hydrated, watchConsole } from './helpers';

// The offline agent answers: MiniLM and the embedded Qdrant, no key, no network. The knowledge
// base loads in the background after the server starts; questions that need it wait for it.
test.describe.configure({ timeout: 120_000 });

async function knowledgeReady(page: Page) {
  await expect
    .poll(async () => (await (await page.request.get('/health/ready')).json()).components.knowledge_base.state, {
      timeout: 90_000,
    })
    .toBe('ready');
}

async function ask(page: Page, text: string) {
  const before = await page.getByTestId('assistant-message').count();
  await page.locator('#support-input').fill(text);
  await page.locator('#support-input').press('Enter');
  await expect(page.getByTestId('assistant-message')).toHaveCount(before + 1, { timeout: 60_000 });
  return page.getByTestId('assistant-message').last();
}

test('an order-status conversation checks identity and shows the tool trace', async ({ page }) => {
  const problems = watchConsole(page);
  await knowledgeReady(page);
  await page.goto('/support');
  await hydrated(page);
  await expect(page.getByTestId('empty-state')).toBeVisible();
  await expect(page.getByTestId('backend')).toContainText('offline planner');

  const asked = await ask(page, 'Where is order 1013?');
  await expect(asked).toContainText('email address');
  await expect(asked.getByTestId('tool-call')).toHaveCount(0);
  await expect(page.getByTestId('classification').first()).toContainText('orders');

  const wrong = await ask(page, "It's maya.chen@example.com");
  await expect(wrong.locator('[data-tool=get_order_status][data-ok=false]')).toBeVisible();
  await expect(wrong).not.toContainText('Studio M50');

  const right = await ask(page, 'Sorry, it is lucas.rossi@example.com');
  const call = right.locator('[data-tool=get_order_status][data-ok=true]');
  await expect(call).toBeVisible();
  await expect(call).toContainText('lucas.rossi@example.com');
  await expect(right).toContainText('shipped');
  await expect(right).toContainText('Studio M50');
  await expect(right.getByTestId('answered-by')).toContainText('offline planner');
  await expect(page.getByTestId('tool-usage')).toContainText('get_order_status');

  // The conversation is kept on the server: a reload shows it again.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('assistant-message')).toHaveCount(3);
  await expect(page.getByTestId('assistant-message').last()).toContainText('shipped');
  expect(problems).toEqual([]);
});

test('the code for lines and replies loads only once the visitor starts to write', async ({ page }) => {
  const problems = watchConsole(page);
  const wasm: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('.wasm')) wasm.push(new URL(request.url()).pathname);
  });
  // The split step names a #[lazy] function's own module split_<function>_<hash>.wasm.
  const later = () => wasm.filter((file) => /\/split_later_\d+\.wasm$/.test(file));
  await page.goto('/support');
  await hydrated(page);
  await expect(page.getByTestId('empty-state')).toBeVisible();
  await page.waitForLoadState('networkidle');
  expect(later()).toEqual([]);

  // Focusing the message box fetches it, ahead of the first message.
  await page.locator('#support-input').focus();
  await expect.poll(() => later().length).toBe(1);
  await knowledgeReady(page);
  const reply = await ask(page, 'What is your return policy for monitors?');
  await expect(reply.getByTestId('answered-by')).toContainText('offline planner');
  await expect(page.getByTestId('user-message')).toHaveCount(1);
  expect(later()).toHaveLength(1);
  expect(problems).toEqual([]);
});

test('a return inside the window opens, one outside it is refused', async ({ page }) => {
  await knowledgeReady(page);
  await page.goto('/support');
  await hydrated(page);
  const inside = await ask(page, 'I want to return the earbuds from order 1011 because they hurt my ears. aisha.bello@example.com');
  await expect(inside.locator('[data-tool=initiate_return][data-ok=true]')).toBeVisible();
  await expect(inside.getByTestId('proposal-card')).toContainText('$199.00');
  const before = await page.getByTestId('assistant-message').count();
  await inside.getByTestId('proposal-confirm').click();
  await expect(page.getByTestId('assistant-message')).toHaveCount(before + 1, { timeout: 60_000 });
  const opened = page.getByTestId('assistant-message').last();
  await expect(opened).toContainText("I've opened return");
  await expect(opened).toContainText('$199.00');

  const outside = await ask(page, 'I also want to return the Lumen X1 camera from order 1005, email priya.raman@example.com');
  await expect(outside.locator('[data-tool=initiate_return][data-ok=false]')).toBeVisible();
  await expect(outside).toContainText('14 days');
  await expect(outside).toContainText('warranty');
});

test('a knowledge-base question is answered with a citation', async ({ page }) => {
  await knowledgeReady(page);
  await page.goto('/support');
  await hydrated(page);
  await expect(page.getByTestId('knowledge-state')).toContainText('Qdrant Edge');
  const reply = await ask(page, 'Which payment methods do you accept?');
  await expect(reply.locator('[data-tool=search_knowledge_base][data-ok=true]')).toBeVisible();
  await expect(reply).toContainText('PayPal');
  await expect(reply.getByTestId('citation').first()).toContainText('[1] Payment methods we accept');
});

test('talk to a human escalates, and a new conversation starts empty', async ({ page }) => {
  await page.goto('/support');
  await hydrated(page);
  await ask(page, 'Hi');
  await page.getByTestId('talk-to-human').click();
  await expect(page.getByTestId('escalated-banner')).toBeVisible({ timeout: 30_000 });
  const reply = page.getByTestId('assistant-message').last();
  await expect(reply.locator('[data-tool=escalate_to_human][data-ok=true]')).toBeVisible();
  await expect(reply).toContainText('ticket number');
  await page.getByTestId('new-conversation').click();
  await expect(page.getByTestId('empty-state')).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('empty-state')).toBeVisible();
});

test('the chat works on a phone', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/support');
  await hydrated(page);
  const reply = await ask(page, 'Is the Vortex gaming headset in stock?');
  await expect(reply).toContainText('out of stock');
  await expect(reply.locator('[data-tool=check_inventory]')).toBeVisible();
});

async function orderStatus(page: Page, id: number, email: string) {
  // Read through the store's own view, outside the chat: what the order really is now.
  const res = await page.request.get(`/data/export.csv?tab=orders&q=${encodeURIComponent(email)}`);
  expect(res.ok()).toBeTruthy();
  const row = (await res.text()).split('\n').find((l) => l.startsWith(`${id},`) && l.includes(email));
  return row ?? '';
}

test('a cancel shows a proposal card and changes nothing until Confirm', async ({ page }) => {
  await knowledgeReady(page);
  await page.goto('/support');
  await hydrated(page);
  const proposed = await ask(page, 'Please cancel order 1025, my email is ben.cohen@example.com');
  const card = proposed.getByTestId('proposal-card');
  await expect(card).toBeVisible();
  await expect(card).toContainText('Cancel order 1025');
  await expect(card).toContainText('$1,078.00');
  await expect(proposed).toContainText('Nothing has changed yet');
  expect(await orderStatus(page, 1025, 'ben.cohen@example.com')).toContain('pending');

  // Cancel on the card: nothing happens, and the card no longer waits.
  await card.getByTestId('proposal-cancel').click();
  await expect(page.getByTestId('assistant-message').last()).toContainText("haven't changed anything");
  await expect(card.getByTestId('proposal-confirm')).toHaveCount(0);
  expect(await orderStatus(page, 1025, 'ben.cohen@example.com')).toContain('pending');

  // Asked again, then confirmed: now it is cancelled, once.
  const again = await ask(page, 'OK, cancel order 1025 after all');
  const before = await page.getByTestId('assistant-message').count();
  await again.getByTestId('proposal-confirm').click();
  await expect(page.getByTestId('assistant-message')).toHaveCount(before + 1, { timeout: 60_000 });
  const done = page.getByTestId('assistant-message').last();
  await expect(done).toContainText('cancelled');
  await expect(done.locator('[data-tool=cancel_order][data-ok=true]')).toBeVisible();
  expect(await orderStatus(page, 1025, 'ben.cohen@example.com')).toContain('cancelled');
});

test('"what if I cancelled" changes nothing and shows no card', async ({ page }) => {
  await knowledgeReady(page);
  await page.goto('/support');
  await hydrated(page);
  const reply = await ask(
    page,
    "I'm thinking about cancelling order 1027 (diego.alvarez@example.com) - if I did, when would I get my money back?",
  );
  await expect(reply).toContainText('Nothing has been changed');
  await expect(reply.getByTestId('proposal-card')).toHaveCount(0);
  await expect(reply.locator('[data-tool=cancel_order]')).toHaveCount(0);
  expect(await orderStatus(page, 1027, 'diego.alvarez@example.com')).toContain('pending');
});

test('a one-time code lists the orders of an email; a wrong code is refused', async ({ page }) => {
  await knowledgeReady(page);
  await page.goto('/support');
  await hydrated(page);
  const asked = await ask(page, "I lost my order number, my email is j.okafor@example.com");
  await expect(asked.locator('[data-tool=send_verification_code][data-ok=true]')).toBeVisible();
  await expect(asked).not.toContainText('1018');
  await expect(asked).toContainText('demo inbox');

  // The demo inbox shows this browser the mail the store would have sent.
  const inbox = await page.context().newPage();
  await inbox.goto('/support/inbox');
  await hydrated(inbox);
  await expect(inbox.getByTestId('inbox-mail')).toHaveCount(1);
  const body = await inbox.getByTestId('inbox-body').first().innerText();
  const code = body.match(/\b(\d{6})\b/)?.[1] ?? '';
  expect(code).toMatch(/^\d{6}$/);
  await inbox.close();

  const wrongCode = code.replace(/\d/g, (d) => String((Number(d) + 1) % 10));
  const refused = await ask(page, wrongCode);
  await expect(refused.locator('[data-tool=verify_email_code][data-ok=false]')).toBeVisible();
  await expect(refused).toContainText("isn't right");
  await expect(refused).not.toContainText('1018');

  const listed = await ask(page, code);
  await expect(listed.locator('[data-tool=list_customer_orders][data-ok=true]')).toBeVisible();
  await expect(listed).toContainText('1002');
  await expect(listed).toContainText('1018');
});
