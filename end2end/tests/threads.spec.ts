// Threads as people use them: start one from a message, reply, the root's
// author sees the summary and the Threads badge, opens it from the Threads
// view (which reads it), a thread link works with JavaScript off, and on a
// phone the thread takes the screen with a way back; a reply can carry a file.
import { expect, test } from '@playwright/test';
import { clickAction, logIn, personIn, say, uniqueName } from './helpers';

function roomName(prefix: string): string {
  return uniqueName(prefix).replace(/_/g, '-');
}

/** Bob opens the thread of the message saying `text` and replies `reply` in it. */
async function replyInThread(page: import('@playwright/test').Page, text: string, reply: string): Promise<void> {
  const root = page.locator('#messages .message[data-seq]', { hasText: text }).first();
  await clickAction(root, '.thread-btn');
  await expect(page.locator('#threadPanel .thread-root')).toContainText(text);
  await page.locator('#threadInput').fill(reply);
  await page.locator('#threadInput').press('Enter');
  await expect(page.locator('#threadPanel .thread-replies')).toContainText(reply);
}

test('a thread starts from a message, and its root author follows it from the Threads view', async ({ browser }) => {
  const room = roomName('thread');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');
  await say(alice.page, 'who reviews the release notes?');
  await replyInThread(bob.page, 'who reviews the release notes?', 'I will, after lunch');

  // The reply stays out of the room's timeline; the root shows its thread.
  for (const page of [alice.page, bob.page]) {
    await expect(page.locator('#messages .message .thread-summary .thread-count')).toHaveText('1 reply');
    await expect(page.locator('#messages .message[data-seq]', { hasText: 'after lunch' })).toHaveCount(0);
  }
  await expect(bob.page).toHaveURL(/\?thread=1$/);

  // Alice follows it as its root's author: the sidebar counts the reply.
  await expect(alice.page.locator('#threadsLink .badge')).toHaveText('1');
  await alice.page.locator('#threadsLink').click();
  const item = alice.page.locator('#threadList .thread-item', { hasText: 'who reviews the release notes?' });
  await expect(item.locator('.badge')).toHaveText('1');
  await item.locator('a').click();
  await expect(alice.page.locator('#threadPanel .thread-replies')).toContainText('I will, after lunch');
  await expect(alice.page.locator('#followThreadBtn')).toHaveText('Following');
  // Open on screen, it is read.
  await expect(alice.page.locator('#threadsLink .badge')).toHaveCount(0);

  // A reply sent to the room too shows in both places.
  await alice.page.locator('#threadInput').fill('thanks, shipping at five');
  await alice.page.locator('#alsoInRoom').check();
  await alice.page.locator('#threadSendBtn').click();
  await expect(bob.page.locator('#threadPanel .thread-replies')).toContainText('shipping at five');
  await expect(bob.page.locator('#messages .message[data-seq]', { hasText: 'shipping at five' }).locator('.in-thread')).toBeVisible();
  await expect(bob.page.locator('#messages .thread-summary .thread-count')).toHaveText('2 replies');

  // One's own reply is edited in the thread, and a reaction there is a click; both reach the other reader.
  const bobsReply = bob.page.locator('#threadPanel .thread-reply', { hasText: 'I will, after lunch' });
  await bobsReply.locator('.thread-edit-btn').click();
  await bob.page.locator('.thread-edit-input').fill('I will, right now');
  await bob.page.getByRole('button', { name: 'Save' }).click();
  await expect(alice.page.locator('#threadPanel .thread-replies')).toContainText('I will, right now');
  await alice.page.locator('#threadPanel .thread-reply', { hasText: 'right now' }).getByRole('button', { name: '👍', exact: true }).click();
  const chip = bob.page.locator('#threadPanel .thread-reply', { hasText: 'right now' }).locator('.reaction');
  await expect(chip).toHaveText('👍 1');
  await chip.click();
  await expect(alice.page.locator('#threadPanel .thread-reply', { hasText: 'right now' }).locator('.reaction')).toHaveText('👍 2');
});

test('a reply in a thread carries a file, and the room counts the reply without showing it', async ({ browser }) => {
  const room = roomName('threadfile');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');
  await say(alice.page, 'send me the minutes');
  await replyInThread(bob.page, 'send me the minutes', 'coming up');
  await bob.page.locator('#threadFileInput').setInputFiles({
    name: 'minutes.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('we agreed on friday\n'.repeat(50)),
  });
  await expect(bob.page.locator('#threadStagedFile')).toContainText('minutes.txt');
  await bob.page.locator('#threadSendBtn').click();
  await expect(bob.page.locator('#threadStagedFile')).toHaveCount(0);

  await expect(alice.page.locator('#messages .thread-summary .thread-count')).toHaveText('2 replies');
  await expect(alice.page.locator('#messages .message .attachment-file')).toHaveCount(0);
  await alice.page.locator('#messages .thread-summary').click();
  const file = alice.page.locator('#threadPanel .thread-replies .attachment-file');
  await expect(file).toContainText('minutes.txt');
  await expect(file.locator('a')).toHaveAttribute('download', 'minutes.txt');
});

test('a thread link shows the thread beside the room with JavaScript off', async ({ browser }) => {
  const room = roomName('nojs');
  const alice = await personIn(browser, room, 'alice');
  await say(alice.page, 'plan for friday');
  await replyInThread(alice.page, 'plan for friday', 'bring the slides');

  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await logIn(page, alice.name, undefined, `/login?next=${encodeURIComponent(`/room/${room}/?thread=1`)}`);
  await expect(page.locator('#threadPanel .thread-root')).toContainText('plan for friday');
  await expect(page.locator('#threadPanel .thread-replies')).toContainText('bring the slides');
  await expect(page.locator('#messages')).toContainText('plan for friday');
  await context.close();
});

test('on a phone the thread takes the screen and Back returns to the room', async ({ browser }) => {
  const room = roomName('phone');
  const alice = await personIn(browser, room, 'alice');
  await say(alice.page, 'lunch?');
  const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
  const page = await context.newPage();
  await logIn(page, alice.name, undefined, `/login?next=${encodeURIComponent(`/room/${room}/`)}`);
  await expect(page.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  await replyInThread(page, 'lunch?', 'yes, noon');
  const panel = await page.locator('#threadPanel').boundingBox();
  expect(panel?.width).toBeGreaterThanOrEqual(370);
  await page.locator('#threadBack').click();
  await expect(page.locator('#threadPanel')).toHaveCount(0);
  await expect(page.locator('#messageInput')).toBeVisible();
  await context.close();
});
