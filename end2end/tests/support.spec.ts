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

test('a return inside the window opens, one outside it is refused', async ({ page }) => {
  await knowledgeReady(page);
  await page.goto('/support');
  await hydrated(page);
  const inside = await ask(page, 'I want to return the earbuds from order 1011 because they hurt my ears. aisha.bello@example.com');
  await expect(inside.locator('[data-tool=initiate_return][data-ok=true]')).toBeVisible();
  await expect(inside).toContainText('$199.00');

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
