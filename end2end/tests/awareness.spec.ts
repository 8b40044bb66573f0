// Awareness, as two people in two browsers: unread badges in the lobby that
// update live and clear on reading, the "New messages" divider, @mention
// completion and highlighting, who is here, who is typing, and a notification
// for a mention while the page is hidden.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { personIn, register, say, uniqueName } from './helpers';

function roomName(prefix: string): string {
  return uniqueName(prefix).replace(/_/g, '-');
}

/** A registered person on the lobby page. */
async function personInLobby(browser: Browser, prefix: string): Promise<{ page: Page; name: string }> {
  const page = await (await browser.newContext()).newPage();
  const name = uniqueName(prefix);
  await register(page, name);
  return { page, name };
}

test('an unread badge appears in the lobby live and clears on reading', async ({ browser }) => {
  const room = roomName('badge');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');
  await say(alice.page, 'hello bob');
  await expect(bob.page.locator('#messages .message .text')).toHaveText(['hello bob']);

  // Bob goes to the lobby; alice writes twice more.
  await bob.page.goto('/');
  const entry = bob.page.locator(`#myRooms li[data-room="${room}"]`);
  await expect(entry).toBeVisible();
  await say(alice.page, 'are you there?');
  await say(alice.page, 'hello?');
  await expect(entry.locator('.unread-count')).toHaveText('2');
  await expect(entry).toHaveClass(/unread/);
  await expect(bob.page).toHaveTitle(/^\(2\) /);

  // Reading the room clears it, in the lobby of a second tab too.
  const lobbyTab = await bob.page.context().newPage();
  await lobbyTab.goto('/');
  await expect(lobbyTab.locator(`#myRooms li[data-room="${room}"] .unread-count`)).toHaveText('2');
  await bob.page.goto(`/room/${room}/`);
  await expect(bob.page.locator('#messages .message .text')).toHaveText(['hello bob', 'are you there?', 'hello?']);
  await expect(lobbyTab.locator(`#myRooms li[data-room="${room}"] .unread-count`)).toHaveCount(0);
  await expect(lobbyTab).toHaveTitle('Lobby · Parlor');
});

test('opening a room with unread messages shows the divider above the first one', async ({ browser }) => {
  const room = roomName('divider');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');
  await say(alice.page, 'seen before');
  await expect(bob.page.locator('#messages .message .text')).toHaveText(['seen before']);
  await bob.page.goto('/');
  await say(alice.page, 'first new one');
  await say(alice.page, 'second new one');
  await expect(bob.page.locator(`#myRooms li[data-room="${room}"] .unread-count`)).toHaveText('2');

  await bob.page.goto(`/room/${room}/`);
  const divider = bob.page.locator('#newMessages');
  await expect(divider).toHaveText('New messages');
  // The divider sits right before the first unread message.
  const next = bob.page.locator('#newMessages + article .text');
  await expect(next).toHaveText('first new one');
});

test('mentions complete from the room and are highlighted for the one mentioned', async ({ browser }) => {
  const room = roomName('mention');
  const bob = await personIn(browser, room, 'bobby');
  const alice = await personIn(browser, room, 'alice');
  const input = alice.page.locator('#messageInput');
  await input.fill('');
  await input.pressSequentially(`hi @${bob.name.slice(0, 4)}`);
  const suggestions = alice.page.locator('#mentionSuggestions [role="option"]');
  await expect(suggestions).toContainText([`@${bob.name}`]);
  await input.press('Enter');
  await expect(input).toHaveValue(`hi @${bob.name} `);
  await input.press('Enter');

  const mention = bob.page.locator('#messages .message.mentions-me .mention');
  await expect(mention).toHaveText(`@${bob.name}`);
  await expect(alice.page.locator('#messages .message .mention')).toHaveText(`@${bob.name}`);
  await expect(alice.page.locator('#messages .message.mentions-me')).toHaveCount(0);
});

test('the room shows who is here, and who is typing until they send', async ({ browser }) => {
  const room = roomName('here');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');
  await expect(alice.page.locator('#presence li')).toHaveText([alice.name, bob.name].sort());

  await bob.page.locator('#messageInput').pressSequentially('I am writing');
  await expect(alice.page.locator('#typing')).toHaveText(`${bob.name} is typing…`);
  await bob.page.locator('#messageInput').press('Enter');
  await expect(alice.page.locator('#typing')).toHaveText('');

  await bob.page.close();
  await expect(alice.page.locator('#presence li')).toHaveText([alice.name], { timeout: 15_000 });
});

test('a mention raises a notification while the page is hidden', async ({ browser }) => {
  const room = roomName('notify');
  const bobContext = await browser.newContext();
  // Record notifications and pretend the page is hidden (a background tab).
  await bobContext.addInitScript(() => {
    const shown: { title: string; body: string }[] = [];
    (window as unknown as { shownNotifications: typeof shown }).shownNotifications = shown;
    class RecordedNotification {
      static permission = 'granted';
      static requestPermission() {
        return Promise.resolve('granted');
      }
      onclick: (() => void) | null = null;
      constructor(title: string, options?: { body?: string }) {
        shown.push({ title, body: options?.body ?? '' });
      }
    }
    (window as unknown as { Notification: unknown }).Notification = RecordedNotification;
    Object.defineProperty(document, 'hidden', { get: () => true });
  });
  const bobPage = await bobContext.newPage();
  const bobName = uniqueName('bob');
  await register(bobPage, bobName);
  const alice = await personIn(browser, room, 'alice');
  await say(alice.page, 'before bob is here');
  await bobPage.goto(`/room/${room}/`);
  await expect(bobPage.locator('#connectionState')).toHaveAttribute('data-state', 'connected');

  await say(alice.page, 'nobody is mentioned here');
  await say(alice.page, `@${bobName} please look`);
  await expect
    .poll(() => bobPage.evaluate(() => (window as unknown as { shownNotifications: unknown[] }).shownNotifications))
    .toEqual([{ title: `${alice.name} mentioned you in #${room}`, body: `@${bobName} please look` }]);
});
