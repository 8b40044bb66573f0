// Rooms: live chat between two people, server-rendered history without
// JavaScript, text shown as text, and the lobby.
import { expect, test } from '@playwright/test';
import { personIn, say, uniqueName } from './helpers';

test('two people chat in both directions and see each other\'s names', async ({ browser }) => {
  const room = uniqueName('duo').replace(/_/g, '-');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');

  await say(alice.page, 'Hello Bob!');
  const fromAlice = bob.page.locator('#messages .message', { hasText: 'Hello Bob!' });
  await expect(fromAlice).toBeVisible();
  await expect(fromAlice.locator('.sender')).toHaveText(alice.name);

  await bob.page.locator('#messageInput').fill('Hi Alice!');
  await bob.page.locator('#sendBtn').click();
  const fromBob = alice.page.locator('#messages .message', { hasText: 'Hi Alice!' });
  await expect(fromBob).toBeVisible();
  await expect(fromBob.locator('.sender')).toHaveText(bob.name);

  // Same order on both sides.
  for (const { page } of [alice, bob]) {
    await expect(page.locator('#messages .message:not(.pending) .text')).toHaveText(['Hello Bob!', 'Hi Alice!']);
  }
  await expect(alice.page.locator('#messageInput')).toHaveValue('');
});

test('a room\'s history is in the server-rendered page with JavaScript disabled', async ({ browser }) => {
  const room = uniqueName('nojs').replace(/_/g, '-');
  const writer = await personIn(browser, room, 'writer');
  await say(writer.page, 'written before you came');
  await expect(writer.page.locator('#messages .message:not(.pending)', { hasText: 'written before you came' })).toBeVisible();

  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const reader = uniqueName('reader');
  // The register form works as a plain HTML form too.
  await page.goto(`/register?next=/room/${room}/`);
  await page.locator('#username').fill(reader);
  await page.locator('#password').fill('correct horse battery');
  await page.locator('#submitBtn').click();
  await expect(page).toHaveURL(new RegExp(`/room/${room}/$`));
  await expect(page.locator('#messages')).toContainText('written before you came');
  await expect(page.locator('#messages .sender').first()).toHaveText(writer.name);
  await expect(page).toHaveTitle(`#${room} · Parlor`);
  await context.close();
});

test('markup in a message shows as literal text', async ({ browser }) => {
  const room = uniqueName('xss').replace(/_/g, '-');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');
  let dialogs = 0;
  bob.page.on('dialog', (dialog) => { dialogs += 1; void dialog.dismiss(); });

  const text = '<script>alert("x")</script> and <b>bold</b>';
  await say(alice.page, text);
  const shown = bob.page.locator('#messages .message .text', { hasText: '<b>bold</b>' });
  await expect(shown).toHaveText(text);
  await expect(bob.page.locator('#messages b')).toHaveCount(0);

  await bob.page.reload();
  await expect(bob.page.locator('#messages .message .text', { hasText: '<b>bold</b>' })).toHaveText(text);
  await expect(bob.page.locator('#messages b')).toHaveCount(0);
  expect(dialogs).toBe(0);
});

test('the lobby lists a room after a message and opens rooms by name', async ({ browser }) => {
  const room = uniqueName('listed').replace(/_/g, '-');
  const alice = await personIn(browser, room, 'alice');
  await say(alice.page, 'making this room active');
  await expect(alice.page.locator('#messages .message:not(.pending)', { hasText: 'making this room active' })).toBeVisible();

  await alice.page.goto('/');
  const listed = alice.page.locator(`#rooms li[data-room="${room}"]`);
  await expect(listed).toContainText('1 message');

  await alice.page.locator('#roomName').fill('not a valid name!');
  await alice.page.locator('#openRoomBtn').click();
  await expect(alice.page.locator('.open-room .form-error')).toContainText('room names are 1-64 characters');

  await alice.page.locator('#roomName').fill(room.toUpperCase());
  await alice.page.locator('#openRoomBtn').click();
  await expect(alice.page).toHaveURL(new RegExp(`/room/${room}/$`));
  await expect(alice.page.locator('#messages')).toContainText('making this room active');
});
