// Rooms with doors, as people use them: a private room made from the lobby, an
// invite link, a conversation, a removal the removed member sees live, and a
// direct message.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { hydrated, register, say, uniqueName } from './helpers';

async function newPerson(browser: Browser, prefix: string): Promise<{ page: Page; name: string }> {
  const page = await (await browser.newContext()).newPage();
  const name = uniqueName(prefix);
  await register(page, name);
  return { page, name };
}

test('a private room: invite by link, chat, and a removed member loses it live', async ({ browser }) => {
  const alice = await newPerson(browser, 'alice');
  const bob = await newPerson(browser, 'bob');
  const title = `Plans ${uniqueName('p')}`;

  // Alice makes the room from the lobby.
  await alice.page.goto('/');
  await hydrated(alice.page);
  await alice.page.locator('#privateRoomTitle').fill(title);
  await alice.page.locator('#createPrivateRoomBtn').click();
  await expect(alice.page).toHaveURL(/\/room\/_[0-9a-f]{32}\/$/);
  const roomUrl = new URL(alice.page.url()).pathname;
  const room = roomUrl.split('/')[2];
  await expect(alice.page.locator('#roomTitle')).toContainText(title);
  await expect(alice.page.locator('#roomTitle [aria-label="private room"]')).toBeVisible();
  await expect(alice.page.locator('#connectionState')).toHaveAttribute('data-state', 'connected');

  // Before the invite, the room is not there for Bob.
  const before = await bob.page.goto(roomUrl);
  expect(before?.status()).toBe(404);

  // An invite link brings Bob in.
  await alice.page.locator('#membersBtn').click();
  await alice.page.locator('#createInviteBtn').click();
  const invite = alice.page.locator('#inviteList .invite-url').first();
  await expect(invite).toHaveValue(/\/join\/[0-9a-f]{32}$/);
  // Following the link asks first; the button joins.
  await bob.page.goto(await invite.inputValue());
  await expect(bob.page.locator('h1')).toHaveText(`Join ${title}?`);
  await bob.page.locator('#confirmBtn').click();
  await expect(bob.page).toHaveURL(roomUrl);
  await expect(bob.page.locator('#roomTitle')).toContainText(title);
  await expect(bob.page.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  await expect(bob.page.locator(`#myRooms li[data-room="${room}"]`)).toContainText(title);

  await say(alice.page, 'welcome aboard');
  await expect(bob.page.locator('#messages .message .text')).toHaveText(['welcome aboard']);
  await say(bob.page, 'glad to be here');
  await expect(alice.page.locator('#messages .message .text')).toHaveText(['welcome aboard', 'glad to be here']);

  // Alice removes Bob: his view loses the room at once.
  await alice.page.locator('#membersBtn').click();
  await alice.page.locator('#membersBtn').click();
  const bobsEntry = alice.page.locator(`#memberList li[data-member="${bob.name}"]`);
  await bobsEntry.locator('.remove-member').click();
  await expect(bobsEntry).toHaveCount(0);
  await expect(bob.page.locator('#accessEnded')).toBeVisible();
  await expect(bob.page.locator('#connectionState')).toHaveAttribute('data-state', 'no access');
  await expect(bob.page.locator(`#myRooms li[data-room="${room}"]`)).toHaveCount(0);
  const after = await bob.page.goto(roomUrl);
  expect(after?.status()).toBe(404);
  await expect(bob.page.locator('#roomProblem')).toHaveText('there is nothing here');
});

test('a direct message: opened from the lobby, listed for both with the other person', async ({ browser }) => {
  const alice = await newPerson(browser, 'alice');
  const bob = await newPerson(browser, 'bob');
  await alice.page.goto('/');
  await hydrated(alice.page);
  await alice.page.locator('#directUsername').fill(bob.name);
  await alice.page.locator('#directMessageBtn').click();
  await expect(alice.page.locator('#roomTitle')).toHaveText(`@${bob.name}`);
  await expect(alice.page.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  await expect(alice.page.locator('#leaveBtn')).toHaveCount(0);
  await say(alice.page, 'just between us');
  await expect(alice.page.locator('#messages .message .text')).toHaveText(['just between us']);

  await bob.page.goto('/');
  const entry = bob.page.locator('#myRooms li.direct', { hasText: `@${alice.name}` });
  await expect(entry.locator('.unread-count')).toHaveText('1');
  await entry.locator('a').click();
  await expect(bob.page.locator('#messages .message .text')).toHaveText(['just between us']);
});
