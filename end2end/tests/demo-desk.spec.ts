import { test, expect } from '@playwright/test';
import { enhanced, hydrated, watchConsole } from './helpers';

// "Try the desk" as a portfolio visitor uses it: one browser, two tabs. The visitor asks the
// support agent for a person in one tab, opens the desk in the other with no password, sees only
// their own conversation, takes it over and answers; the answer appears in the chat.
test.describe.configure({ timeout: 120_000 });

test('a visitor tries the desk and answers their own conversation in a second tab', async ({ browser }) => {
  // Someone else's browser asks for a person too: the demo desk must not show it.
  const strangerContext = await browser.newContext();
  const stranger = await strangerContext.newPage();
  await stranger.goto('/support');
  await hydrated(stranger);
  await stranger.locator('#support-input').fill('A stranger needs a person about order 1011');
  await stranger.locator('#support-input').press('Enter');
  await stranger.getByTestId('talk-to-human').click();
  await expect(stranger.getByTestId('escalated-banner')).toBeVisible({ timeout: 60_000 });

  const context = await browser.newContext();
  const chat = await context.newPage();
  const problems = watchConsole(chat);
  await chat.goto('/support');
  await hydrated(chat);
  await expect(chat.getByTestId('try-desk-hint')).toContainText('second tab');
  await chat.locator('#support-input').fill('Can a person help me choose a monitor?');
  await chat.locator('#support-input').press('Enter');
  await expect(chat.getByTestId('assistant-message').first()).toBeVisible({ timeout: 60_000 });
  await chat.getByTestId('talk-to-human').click();
  await expect(chat.getByTestId('escalated-banner')).toBeVisible({ timeout: 60_000 });
  const mine = (await context.cookies()).find((c) => c.name === 'support_session')?.value;
  const theirs = (await strangerContext.cookies()).find((c) => c.name === 'support_session')?.value;

  const desk = await context.newPage();
  await desk.goto('/desk');
  // Nobody is signed in: the sign-in page, the server's document with its own script.
  await enhanced(desk);
  await expect(desk.getByTestId('try-desk')).toBeVisible();
  const deskProblems = watchConsole(desk);
  await desk.getByTestId('try-desk-button').click();
  await expect(desk.getByTestId('demo-banner')).toBeVisible();
  await expect(desk.getByTestId('signed-in-as')).toHaveText('Demo agent');
  // Only the conversations tab, and only this browser's conversation.
  await expect(desk.getByRole('tab')).toHaveCount(1);
  await expect(desk.locator(`[data-testid=conversation-item][data-id="${mine}"]`)).toBeVisible();
  await expect(desk.locator(`[data-testid=conversation-item][data-id="${theirs}"]`)).toHaveCount(0);
  await expect(desk.getByTestId('conversation-item')).toHaveCount(1);

  await desk.getByTestId('conversation-item').click();
  await desk.getByTestId('claim').click();
  await expect(chat.getByTestId('human-joined')).toBeVisible({ timeout: 10_000 });
  await desk.getByTestId('reply-input').fill('Hello from the demo desk: the Vista 27 suits most desks.');
  await desk.getByTestId('reply-input').press('Enter');
  await expect(chat.getByText('Hello from the demo desk')).toBeVisible({ timeout: 10_000 });

  // A reload keeps the demo session; signing out ends it.
  await desk.reload();
  await hydrated(desk);
  await expect(desk.getByTestId('demo-banner')).toBeVisible();
  expect(problems).toEqual([]);
  expect(deskProblems).toEqual([]);
  const refused: string[] = [];
  desk.on('response', (r) => { if (r.status() === 401) refused.push(r.url()); });
  await desk.getByRole('button', { name: 'Sign out' }).click();
  await expect(desk.getByTestId('try-desk')).toBeVisible();
  console.log(`after signing out, refused: ${refused.join(', ') || 'nothing'}`);
  await context.close();
  await strangerContext.close();
});
