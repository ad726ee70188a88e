import { test, expect } from '@playwright/test';
import { hydrated, signIn, watchConsole } from './helpers';

// A customer asks for a person: the team's webhook receives a signed alert (the receiver checks
// the HMAC itself), the desk counts the customer as waiting, and the administrators' alert log
// shows the delivery.
test.describe.configure({ timeout: 120_000 });

const receiver = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3300) + 2}`;

test('an escalation reaches the webhook signed and the desk counts it', async ({ browser }) => {
  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  await signIn(staff);
  const problems = watchConsole(staff);
  await expect(staff.getByTestId('live-state')).toContainText('Live');
  await expect(staff.getByTestId('alert-settings')).toBeVisible();
  // A tab other than the conversations: the escalation is counted as unread.
  await staff.getByRole('tab', { name: 'Tickets' }).click();

  const context = await browser.newContext();
  const customer = await context.newPage();
  await customer.goto('/support');
  await hydrated(customer);
  await customer.locator('#support-input').fill('Can a person help me choose a webcam for my laptop?');
  await customer.locator('#support-input').press('Enter');
  await expect(customer.getByTestId('assistant-message').first()).toBeVisible({ timeout: 60_000 });
  await customer.getByTestId('talk-to-human').click();
  await expect(customer.getByTestId('escalated-banner')).toBeVisible({ timeout: 60_000 });
  const session = (await context.cookies()).find((c) => c.name === 'support_session')?.value;

  // The webhook: signed, about this conversation, with its ticket.
  await expect
    .poll(async () => {
      const all = await (await fetch(`${receiver}/received`)).json();
      return all.filter((r: { body: { conversation_id?: string } | null }) => r.body?.conversation_id === session);
    }, { timeout: 20_000 })
    .not.toHaveLength(0);
  const all = await (await fetch(`${receiver}/received`)).json();
  const mine = all.find((r: { body: { conversation_id?: string } | null }) => r.body?.conversation_id === session);
  expect(mine.valid).toBe(true);
  expect(mine.event).toBe('conversation.escalated');
  expect(mine.body.ticket_id).toBeGreaterThan(0);
  console.log(`webhook: received ${mine.at - Date.parse(mine.body.occurred_at)} ms after the alert was raised (server clock to receiver clock, one machine)`);

  // The desk counts it until the conversations are looked at.
  await expect(staff.getByTestId('unread-badge')).toHaveText(/[1-9]/);
  await expect(staff).toHaveTitle(/^\(\d+\) Support desk/);
  await staff.getByRole('tab', { name: /Conversations/ }).click();
  await expect(staff.getByTestId('unread-badge')).toHaveCount(0);

  // The administrators' log lists the delivery.
  await staff.getByRole('tab', { name: 'Audit & privacy' }).click();
  await expect(staff.getByTestId('alert-log')).toContainText('127.0.0.1');
  await expect(staff.getByTestId('delivery-row').first().getByTestId('delivery-status')).toHaveText('delivered');
  expect(problems).toEqual([]);
  await context.close();
  await staffContext.close();
});
