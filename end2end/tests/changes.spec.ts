// Messages that change, as two people see them: edit in place, delete, react,
// reply, permalinks and formatted text.
import { expect, test } from '@playwright/test';
import { clickAction, personIn, say, uniqueName } from './helpers';

function roomName(prefix: string): string {
  return uniqueName(prefix).replace(/_/g, '-');
}

test('an edit in place shows for both, marked as edited', async ({ browser }) => {
  const room = roomName('edit');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');
  await say(alice.page, 'helo everyone');
  // The stored row (with its seq), not the pending one it replaces: hovering the
  // pending row leaves the stored row's actions hidden under a still mouse.
  const mine = alice.page.locator('#messages .message[data-seq]', { hasText: 'helo everyone' });
  await clickAction(mine, '.edit-btn');
  await alice.page.locator('.edit-input').fill('hello everyone');
  await alice.page.locator('.edit-input').press('Enter');
  for (const page of [alice.page, bob.page]) {
    await expect(page.locator('#messages .message .text')).toHaveText(['hello everyone']);
    await expect(page.locator('#messages .message .edited')).toHaveText('(edited)');
  }
  // Up arrow in the empty composer edits one's last message; Esc cancels.
  await alice.page.locator('#messageInput').press('ArrowUp');
  await expect(alice.page.locator('.edit-input')).toHaveValue('hello everyone');
  await alice.page.locator('.edit-input').press('Escape');
  await expect(alice.page.locator('.edit-input')).toHaveCount(0);
});

test('a deleted message leaves a placeholder, and a reply to it still makes sense', async ({ browser }) => {
  const room = roomName('delete');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');
  await say(alice.page, 'oops, wrong room');
  const original = bob.page.locator('#messages .message', { hasText: 'oops, wrong room' });
  await clickAction(original, '.reply-btn');
  await expect(bob.page.locator('#replyingTo')).toContainText('oops, wrong room');
  await say(bob.page, 'no worries');
  await expect(alice.page.locator('#messages .message .reply-quote')).toContainText('oops, wrong room');

  const mine = alice.page.locator('#messages .message').first();
  await clickAction(mine, '.delete-btn');
  for (const page of [alice.page, bob.page]) {
    await expect(page.locator('#messages .message').first().locator('.placeholder')).toHaveText('This message was deleted.');
    await expect(page.locator('#messages .message .reply-quote')).toContainText('deleted message');
  }
});

test('reactions toggle, show who reacted, and take short text', async ({ browser }) => {
  const room = roomName('react');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');
  await say(alice.page, 'shipped!');
  const message = bob.page.locator('#messages .message').first();
  await clickAction(message, '.react-btn');
  await message.getByRole('button', { name: 'React with 🎉' }).click();
  const chip = alice.page.locator('#messages .message .reaction');
  await expect(chip).toHaveText('🎉 1');
  await expect(chip).toHaveAttribute('title', bob.name);

  // Alice adds hers by clicking the chip, then a word of her own.
  await chip.click();
  await expect(bob.page.locator('#messages .message .reaction')).toHaveText('🎉 2');
  const hers = alice.page.locator('#messages .message').first();
  await clickAction(hers, '.react-btn');
  await hers.locator('.own-reaction').fill('nice');
  await hers.locator('.own-reaction').press('Enter');
  await expect(bob.page.locator('#messages .message .reaction')).toHaveText(['nice 1', '🎉 2']);
  // Clicking one's own chip takes it back.
  await bob.page.locator('#messages .message .reaction', { hasText: '🎉' }).click();
  await expect(alice.page.locator('#messages .message .reaction', { hasText: '🎉' })).toHaveText('🎉 1');
});

test('a permalink opens the room at its message, highlighted', async ({ browser }) => {
  const room = roomName('link');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');
  for (let i = 1; i <= 12; i++) {
    await say(alice.page, `line ${i}`);
  }
  await expect(bob.page.locator('#messages .message')).toHaveCount(12);
  const third = bob.page.locator('#messages .message', { hasText: 'line 3' }).first();
  const href = await third.locator('.permalink').getAttribute('href');
  expect(href).toMatch(/\?at=\d+$/);
  await bob.page.goto(href!);
  const target = bob.page.locator('#messages .message.highlighted');
  await expect(target).toContainText('line 3');
  await expect(target).toBeInViewport();
});

test('formatting shows as formatting, never as raw HTML', async ({ browser }) => {
  const room = roomName('fmt');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');
  await say(alice.page, '**bold** and *soft* and `code` at https://example.org <b>not bold</b>');
  const text = bob.page.locator('#messages .message .text');
  await expect(text.locator('strong')).toHaveText('bold');
  await expect(text.locator('em')).toHaveText('soft');
  await expect(text.locator('code')).toHaveText('code');
  await expect(text.locator('a')).toHaveAttribute('href', 'https://example.org');
  await expect(text.locator('a')).toHaveAttribute('rel', 'noopener nofollow ugc');
  await expect(text).toContainText('<b>not bold</b>');
  await expect(text.locator('b')).toHaveCount(0);
});
