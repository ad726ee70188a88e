import { test, expect } from '@playwright/test';
import { enhanced, hydrated, signIn } from './helpers';

// A customer's privacy request on the desk: their data exported as JSON, then erased for good
// (the email typed twice); afterwards they are in no view: not in Data Views, not on the desk.
test.describe.configure({ timeout: 120_000 });

const ZOE = 'zoe.anderson@example.com';

test('an erased customer is gone from every table and view', async ({ browser }) => {
  // Zoe has seeded orders; she also writes to support, giving her email.
  const customerContext = await browser.newContext();
  const customer = await customerContext.newPage();
  await customer.goto('/support');
  await hydrated(customer);
  await customer.locator('#support-input').fill(`Did order 1019 ship? My email is ${ZOE}`);
  await customer.locator('#support-input').press('Enter');
  await expect(customer.getByTestId('assistant-message')).toHaveCount(1, { timeout: 60_000 });
  await customer.goto(`/data?tab=orders&q=${encodeURIComponent(ZOE)}`);
  await expect(customer.getByText(ZOE).first()).toBeVisible();

  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  await signIn(staff);
  await staff.getByRole('tab', { name: 'Audit & privacy' }).click();
  const privacy = staff.getByTestId('privacy');
  await privacy.getByTestId('privacy-email').fill(ZOE);
  const download = staff.waitForEvent('download');
  await privacy.getByTestId('privacy-export').click();
  const exported = JSON.parse(await (await download).createReadStream().then(async (stream) => {
    const chunks: Buffer[] = [];
    for await (const chunk of stream!) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }));
  expect(exported.email).toBe(ZOE);
  expect(exported.orders.length).toBeGreaterThan(0);
  expect(exported.conversations.length).toBeGreaterThan(0);

  // The erase asks for the email again before it does anything.
  await privacy.getByTestId('privacy-erase').click();
  await privacy.getByTestId('privacy-confirm').fill(ZOE);
  await privacy.getByTestId('privacy-erase').click();
  await expect(privacy.getByTestId('privacy-done')).toContainText(`Erased everything about ${ZOE}`);
  console.log(`privacy: ${await privacy.getByTestId('privacy-done').textContent()}`);

  // Nowhere any more: the orders view, the desk's conversations, a second export.
  await customer.goto(`/data?tab=orders&q=${encodeURIComponent(ZOE)}`);
  await enhanced(customer);
  await expect(customer.getByRole('cell', { name: `Nothing matches “${ZOE}”.` })).toBeVisible();
  const again = await staff.request.get(`/api/desk/customers/${ZOE}/export`);
  const data = await again.json();
  expect([data.orders.length, data.tickets.length, data.conversations.length, data.mails.length]).toEqual([0, 0, 0, 0]);
  await staff.getByRole('tab', { name: 'Conversations' }).click();
  await staff.getByRole('button', { name: 'all', exact: true }).click();
  await expect(staff.getByTestId('conversation-list')).not.toContainText('1019 ship');
  await expect(staff.getByRole('tab', { name: 'Audit & privacy' })).toBeVisible();
  await staff.getByRole('tab', { name: 'Audit & privacy' }).click();
  // The second export (above) is the newest entry; the erase is just before it.
  await expect(staff.getByTestId('audit-action').nth(0)).toHaveText('privacy.export');
  await expect(staff.getByTestId('audit-action').nth(1)).toHaveText('privacy.erase');
  await customerContext.close();
  await staffContext.close();
});
