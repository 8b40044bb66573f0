// Delivery: messages typed while offline wait in the outbox, show as pending, and
// are delivered once, in order, when the connection comes back; the outbox
// survives a reload.
import { expect, test } from '@playwright/test';
import { personIn, say, uniqueName } from './helpers';

test('messages sent while offline arrive once, in order, after reconnecting', async ({ browser }) => {
  const room = uniqueName('offline').replace(/_/g, '-');
  const alice = (await personIn(browser, room, 'alice')).page;
  const bob = (await personIn(browser, room, 'bob')).page;

  await alice.context().setOffline(true);
  await expect(alice.locator('#connectionState')).toHaveAttribute('data-state', 'offline');
  for (const text of ['first', 'second', 'third']) {
    await say(alice, text);
  }
  await expect(alice.locator('#messages .message.pending')).toHaveCount(3);
  await expect(bob.locator('#messages .message')).toHaveCount(0);

  await alice.context().setOffline(false);
  await expect(alice.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  await expect(alice.locator('#messages .message.pending')).toHaveCount(0);
  await expect(bob.locator('#messages .message .text')).toHaveText(['first', 'second', 'third']);
  await expect(alice.locator('#messages .message .text')).toHaveText(['first', 'second', 'third']);

  // Nothing arrives twice later on.
  await say(bob, 'got them');
  await expect(alice.locator('#messages .message .text')).toHaveText(['first', 'second', 'third', 'got them']);
});

test('pending messages survive a reload and are sent once', async ({ browser }) => {
  const room = uniqueName('reload').replace(/_/g, '-');
  const alice = (await personIn(browser, room, 'alice')).page;
  const bob = (await personIn(browser, room, 'bob')).page;

  // Refuse alice's socket so her messages stay in the outbox.
  let refuse = true;
  await alice.routeWebSocket(/\/ws\/room\//, (ws) => {
    if (refuse) {
      void ws.close();
    } else {
      ws.connectToServer();
    }
  });
  await alice.reload();
  // "reconnecting" only once the page is hydrated and its socket was refused
  // (the server-rendered page says "connecting", and typing there sends nothing).
  await expect(alice.locator('#connectionState')).toHaveAttribute('data-state', 'reconnecting');
  await say(alice, 'kept across a reload');
  await expect(alice.locator('#messages .message.pending')).toHaveCount(1);
  const saved = await alice.evaluate((r) => localStorage.getItem(`parlor.outbox.${r}`), room);
  expect(saved).toContain('kept across a reload');

  refuse = false;
  await alice.reload();
  await expect(bob.locator('#messages .message .text')).toHaveText(['kept across a reload']);
  await expect(alice.locator('#messages .message.pending')).toHaveCount(0);
  await expect(alice.locator('#messages .message .text')).toHaveText(['kept across a reload']);
  const cleared = await alice.evaluate((r) => localStorage.getItem(`parlor.outbox.${r}`), room);
  expect(cleared).toBeNull();
});

test('forty messages queued offline are all delivered once, past the message rate', async ({ browser }) => {
  // The server takes a burst of 30 and 10 a second after it; the rest are
  // refused as `rate_limited` and the client resends them after a backoff.
  const room = uniqueName('burst').replace(/_/g, '-');
  const alice = (await personIn(browser, room, 'alice')).page;
  const bob = (await personIn(browser, room, 'bob')).page;

  await alice.context().setOffline(true);
  await expect(alice.locator('#connectionState')).toHaveAttribute('data-state', 'offline');
  const texts = Array.from({ length: 40 }, (_, i) => `queued ${i + 1}`);
  for (const text of texts) {
    await say(alice, text);
  }
  await expect(alice.locator('#messages .message.pending')).toHaveCount(40);

  await alice.context().setOffline(false);
  await expect(bob.locator('#messages .message .text')).toHaveText(texts, { timeout: 20_000 });
  await expect(alice.locator('#messages .message.pending')).toHaveCount(0, { timeout: 20_000 });
  await expect(alice.locator('#messages .message .text')).toHaveText(texts);
});

test('logging out elsewhere ends the room socket and offers to log in again', async ({ browser }) => {
  const room = uniqueName('ended').replace(/_/g, '-');
  const { page } = await personIn(browser, room, 'carol');
  // The same session in a second tab logs out.
  const other = await page.context().newPage();
  await other.goto('/');
  await other.locator('#logoutBtn').click();
  await expect(page.locator('#connectionState')).toHaveAttribute('data-state', 'signed out');
  await expect(page.locator('#loginAgain')).toHaveAttribute('href', `/login?next=%2Froom%2F${room}%2F`);
});
