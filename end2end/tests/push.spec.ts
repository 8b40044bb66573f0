// Web Push in Chromium: "Notifications on this device" in the settings hands
// the browser's subscription to Parlor; a mention while the tab is closed is
// pushed to the stand-in push service (sites/push.mjs), which checks the VAPID
// signature and decrypts it as a browser would; delivered to the service
// worker (through Chromium's DevTools protocol) it shows the room's
// notification, whose permalink opens the message.
//
// Chromium's own push service is Google's and is out of reach here, so the
// page's PushManager hands out the stand-in's subscription instead (the
// service worker, the server and the push itself are the real ones); and a
// headless browser has no notification to click, so the test opens the
// notification's URL as the click handler does.
import { expect, test, type Page } from '@playwright/test';
import { register, say, personIn, uniqueName } from './helpers';

const SERVICE = `http://127.0.0.1:${process.env.PARLOR_E2E_PUSH_PORT ?? 3197}`;

type Made = { id: string; endpoint: string; keys: { p256dh: string; auth: string } };

/** The page's PushManager subscribes to the stand-in service. */
function fakePushManager(made: Made) {
  const kept = 'e2e.push.subscribed';
  const subscription = () => ({
    endpoint: made.endpoint,
    expirationTime: null,
    toJSON: () => ({ endpoint: made.endpoint, expirationTime: null, keys: made.keys }),
    unsubscribe: async () => {
      localStorage.removeItem(kept);
      return true;
    },
  });
  PushManager.prototype.subscribe = async function (options?: PushSubscriptionOptionsInit) {
    if (!options?.applicationServerKey) throw new Error('no applicationServerKey');
    localStorage.setItem(kept, '1');
    return subscription() as unknown as PushSubscription;
  };
  PushManager.prototype.getSubscription = async function () {
    return (localStorage.getItem(kept) ? subscription() : null) as unknown as PushSubscription | null;
  };
}

async function notifications(page: Page) {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    const shown = await registration.getNotifications();
    return shown.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data }));
  });
}

test('a mention while the tab is closed is pushed, shows the room’s notification, and its permalink opens the message', async ({ browser }) => {
  const room = uniqueName('pushed').replace(/_/g, '-');
  const made: Made = await (await fetch(`${SERVICE}/browsers`, { method: 'POST' })).json();
  const context = await browser.newContext();
  await context.grantPermissions(['notifications']);
  await context.addInitScript(fakePushManager, made);
  const page = await context.newPage();
  const bob = uniqueName('bob');
  await register(page, bob);

  await page.goto('/settings');
  const toggle = page.locator('#pushToggle');
  await expect(toggle).toHaveText('Turn on notifications on this device');
  await toggle.click();
  await expect(page.locator('#pushState')).toHaveText(/^On:/);
  await expect(page.locator('#pushDevices tbody tr')).toHaveCount(1);
  await expect(page.locator('#pushDevices tbody tr')).toContainText('(this device)');
  await expect(page.locator('#pushTest')).toBeVisible();

  // The service worker's registration, to deliver pushes to it.
  const cdp = await context.newCDPSession(page);
  const registered = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const ours = registrations.find((r: { scopeURL: string; isDeleted: boolean }) => r.scopeURL.startsWith('http://127.0.0.1') && !r.isDeleted);
      if (ours) resolve(ours.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  const registrationId = await registered;

  // Bob closes Parlor (no socket left); Alice mentions him.
  await page.goto('about:blank');
  const alice = await personIn(browser, room, 'alice');
  await say(alice.page, `@${bob} the kettle is on`);
  await expect
    .poll(async () => (await (await fetch(`${SERVICE}/browsers/${made.id}/pushes`)).json()).length, { timeout: 20_000 })
    .toBe(1);
  const [push] = await (await fetch(`${SERVICE}/browsers/${made.id}/pushes`)).json();
  expect(await (await fetch(`${SERVICE}/browsers/${made.id}/bad`)).json()).toEqual([]);
  expect(push).toMatchObject({ kind: 'message', room, title: `#${room}`, body: `${alice.name}: @${bob} the kettle is on`, tag: `room:${room}` });

  const origin = new URL(alice.page.url()).origin;
  await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data: JSON.stringify(push) });
  await page.goto('/settings');
  await expect.poll(async () => (await notifications(page)).length).toBe(1);
  const [shown] = await notifications(page);
  expect(shown).toMatchObject({ title: `#${room}`, body: push.body, tag: `room:${room}` });
  expect(shown.data.url).toBe(`/room/${room}/?at=${push.seq}`);

  // The click handler opens the notification's URL: the message, highlighted.
  await page.goto(shown.data.url);
  await expect(page.locator('#messages .message.highlighted')).toContainText('the kettle is on');

  // A close for what was read takes the notification away.
  await cdp.send('ServiceWorker.deliverPushMessage', {
    origin,
    registrationId,
    data: JSON.stringify({ kind: 'close', room, seq: push.seq, tag: `room:${room}`, unread: 0 }),
  });
  await expect.poll(async () => (await notifications(page)).length).toBe(0);
});
