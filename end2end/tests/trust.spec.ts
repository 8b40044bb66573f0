// What a browser kept of a session or a room goes when they end (issue #25):
// the service worker's offline copies and the HTTP cache are dropped on
// log-out (Clear-Site-Data), when someone else logs in on the same browser,
// and as soon as the page learns a room was lost.
import { expect, test, type Page } from '@playwright/test';
import { PASSWORD, hydrated, logIn, register, say, uniqueName } from './helpers';

/** Says `text` in the open room and waits until the server has stored it. */
async function sayStored(page: Page, text: string): Promise<void> {
  await expect(page.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  await say(page, text);
  await expect(page.locator('#messages .message:not(.pending)', { hasText: text })).toBeVisible();
}

/** Opens `url` twice so that the service worker, in control the second time, keeps it. */
async function keptOffline(page: Page, url: string, text: string): Promise<void> {
  await page.goto(url);
  await page.evaluate(async () => navigator.serviceWorker.ready);
  await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await expect(page.locator('#messages')).toContainText(text);
  // The worker keeps what the network answered: wait until it has.
  await expect
    .poll(() => page.evaluate(async (path) => (await caches.match(path, { ignoreVary: true })) !== undefined, url))
    .toBe(true);
}

/** What the page shows for `url` without a network: the kept copy, or the offline page. */
async function offlineView(page: Page, url: string): Promise<string> {
  await page.context().setOffline(true);
  await page.goto(url).catch(() => undefined);
  const text = (await page.locator('body').textContent()) ?? '';
  await page.context().setOffline(false);
  return text;
}

test('logging out drops the pages this browser kept', async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  const name = uniqueName('alice');
  await register(page, name);
  const room = uniqueName('kept').replace(/_/g, '-');
  await page.goto(`/room/${room}/`);
  await sayStored(page, 'only for the logged in');
  await keptOffline(page, `/room/${room}/`, 'only for the logged in');

  const answer = page.waitForResponse((response) => response.url().endsWith('/api/logout'));
  await page.locator('#logoutBtn').click();
  expect((await (await answer).allHeaders())['clear-site-data']).toBe('"cache", "storage"');
  await expect(page.locator('#currentUser')).toHaveCount(0);
  expect(await offlineView(page, `/room/${room}/`)).not.toContain('only for the logged in');
});

test('someone else logging in on the same browser sees nothing kept for the first', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const first = uniqueName('ann');
  const second = uniqueName('ben');
  await register(page, second);
  await context.clearCookies();
  await register(page, first);
  const room = uniqueName('mine').replace(/_/g, '-');
  await page.goto(`/room/${room}/`);
  await sayStored(page, 'what ann wrote');
  await keptOffline(page, `/room/${room}/`, 'what ann wrote');

  // Ann's session ends without a log-out from this browser (her cookie simply goes); Ben logs in.
  await context.clearCookies();
  await logIn(page, second, PASSWORD);
  await expect(page.locator('#currentUser')).toHaveText(second);
  expect(await offlineView(page, `/room/${room}/`)).not.toContain('what ann wrote');
});

test('a room its reader loses is no longer kept for them', async ({ browser }) => {
  const owner = await (await browser.newContext()).newPage();
  const guest = await (await browser.newContext()).newPage();
  await register(owner, uniqueName('olive'));
  const guestName = uniqueName('gus');
  await register(guest, guestName);
  await owner.goto('/');
  await hydrated(owner);
  await owner.locator('#privateRoomTitle').fill('Kept plans');
  await owner.locator('#createPrivateRoomBtn').click();
  await expect(owner).toHaveURL(/\/room\/_[0-9a-f]{32}\/$/);
  const roomUrl = new URL(owner.url()).pathname;
  const room = roomUrl.split('/')[2];
  const added = await owner.request.post(`/api/rooms/${room}/members`, { form: { username: guestName } });
  expect(added.ok()).toBe(true);
  await sayStored(owner, 'the secret plan');
  await keptOffline(guest, roomUrl, 'the secret plan');
  await expect(guest.locator('#connectionState')).toHaveAttribute('data-state', 'connected');

  const removed = await owner.request.post(`/api/rooms/${room}/members/remove`, { form: { username: guestName } });
  expect(removed.ok()).toBe(true);
  await expect(guest.locator('#connectionState')).toHaveAttribute('data-state', 'no access');
  await expect
    .poll(() => guest.evaluate(async (path) => (await caches.match(path, { ignoreVary: true })) !== undefined, roomUrl))
    .toBe(false);
  expect(await offlineView(guest, roomUrl)).not.toContain('the secret plan');
});
