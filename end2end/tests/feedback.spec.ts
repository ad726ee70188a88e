import { test, expect } from '@playwright/test';
import { hydrated, signIn, watchConsole } from './helpers';

// A customer says a reply did not help, the team resolves the conversation, the customer rates
// it, and the desk's analytics show the rating, the comment and the thumbs-down.
test.describe.configure({ timeout: 120_000 });

test('a rating after the resolution, and a thumbs-down, appear in the desk analytics', async ({ browser }) => {
  const customerContext = await browser.newContext();
  const customer = await customerContext.newPage();
  const problems = watchConsole(customer);
  await customer.goto('/support');
  await hydrated(customer);
  await customer.locator('#support-input').fill('Where is order 1013? My email is lucas.rossi@example.com');
  await customer.locator('#support-input').press('Enter');
  const reply = customer.getByTestId('assistant-message').first();
  await expect(reply.getByTestId('reply-votes')).toBeVisible({ timeout: 60_000 });
  await reply.getByTestId('vote-down').click();
  await expect(reply.getByTestId('vote-down')).toHaveAttribute('aria-pressed', 'true');
  await reply.getByTestId('vote-reason').fill('It did not say when it arrives');
  await reply.getByTestId('vote-reason').press('Enter');
  await expect(reply.getByTestId('vote-thanks')).toContainText('the team will read it');
  await customer.getByTestId('talk-to-human').click();
  await expect(customer.getByTestId('escalated-banner')).toBeVisible({ timeout: 60_000 });
  const session = (await customerContext.cookies()).find((c) => c.name === 'support_session')?.value;

  // The team resolves it; the customer is asked for a rating at once.
  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  await signIn(staff);
  await staff.getByRole('button', { name: 'escalated', exact: true }).click();
  await staff.locator(`[data-testid=conversation-item][data-id="${session}"]`).click();
  await staff.getByTestId('resolve').click();
  await expect(customer.getByTestId('rating-form')).toBeVisible();
  await customer.getByTestId('star-2').click();
  await expect(customer.getByTestId('star-2')).toHaveAttribute('aria-checked', 'true');
  await customer.getByTestId('rating-comment').fill('Slow, and no delivery date');
  await customer.getByTestId('rating-submit').click();
  await expect(customer.getByTestId('rated')).toContainText('2 of 5');
  // A reload keeps the vote and the rating.
  await customer.reload();
  await hydrated(customer);
  await expect(customer.getByTestId('rated')).toContainText('2 of 5');
  await expect(customer.getByTestId('vote-down').first()).toHaveAttribute('aria-pressed', 'true');
  expect(problems).toEqual([]);

  await staff.getByRole('tab', { name: 'Analytics' }).click();
  await expect(staff.getByTestId('low-rated')).toContainText('Slow, and no delivery date');
  await expect(staff.getByTestId('kpi-ratings')).not.toContainText(/^Ratings0$/);
  await expect(staff.getByTestId('down-by-intent')).toContainText('orders');
  // The resolved conversation gives a resolution time.
  await expect(staff.getByTestId('kpi-resolution')).not.toContainText('– / –');
  await expect(staff.getByTestId('by-agent')).toBeVisible();
  console.log(`feedback: CSAT ${await staff.getByTestId('kpi-csat').locator('p').last().textContent()}, ${await staff.getByTestId('kpi-thumbs').locator('p').last().textContent()} helpful / not`);
  await customerContext.close();
  await staffContext.close();
});
