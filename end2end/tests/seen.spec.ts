// "Seen by" in a small room, live for two people, and a setting that stops it.
import { expect, test, type Page } from '@playwright/test';
import { personIn, say, uniqueName } from './helpers';

/** How far `page`'s user has read `room`, as the server has it. */
async function readUpTo(page: Page, room: string): Promise<number> {
  const answer = await page.request.get('/api/rooms/');
  const listed = (await answer.json()).rooms.find((r: { room: string }) => r.room === room);
  return listed ? listed.last_read_seq : 0;
}

test('the newest message shows who has seen it, live, unless they stop sharing', async ({ browser }) => {
  // Three people, a settings change and four reloads: past 60 s under the full suite on this 2-core machine.
  test.setTimeout(120_000);
  const room = uniqueName('seen').replace(/_/g, '-');
  const alice = await personIn(browser, room, 'alice');
  await say(alice.page, 'first, to make the room');
  const bob = await personIn(browser, room, 'bob');
  await say(alice.page, 'did you see this?');
  await expect(alice.page.locator('#seenBy')).toHaveText(`Seen by ${bob.name}`);

  // Bob stops sharing his reads: he is no longer shown, and sees no one's.
  await bob.page.goto('/settings');
  await bob.page.locator('#shareReadsBtn').click();
  await expect(bob.page.locator('#shareReadsState')).toContainText('Off');
  await bob.page.goto(`/room/${room}/`);
  await expect(bob.page.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  await alice.page.reload();
  await expect(alice.page.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  const carol = await personIn(browser, room, 'carol');
  await say(alice.page, 'and this one?');
  const newest = Number(await alice.page.locator('#messages .message[data-seq]').last().getAttribute('data-seq'));
  await expect.poll(() => readUpTo(bob.page, room)).toBeGreaterThanOrEqual(newest);
  await expect.poll(() => readUpTo(carol.page, room)).toBeGreaterThanOrEqual(newest);
  await expect(alice.page.locator('#seenBy')).toHaveText(`Seen by ${carol.name}`);
  // As the server has it, too: a reload shows carol and not bob.
  await alice.page.reload();
  await expect(alice.page.locator('#seenBy')).toHaveText(`Seen by ${carol.name}`);
  await bob.page.reload();
  await expect(bob.page.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  await expect(bob.page.locator('#messages .message[data-seq]', { hasText: 'and this one?' })).toBeVisible();
  await expect(bob.page.locator('#seenBy')).toHaveCount(0);
});
