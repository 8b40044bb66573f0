// Installable: a manifest with icons, a service worker in control, and a room
// opened before still opens without a network, its outbox sent once back online.
import { expect, test } from '@playwright/test';
import { personIn, say, uniqueName } from './helpers';

test('the manifest and service worker make Parlor installable and usable offline', async ({ browser }) => {
  const room = uniqueName('pwa').replace(/_/g, '-');
  const alice = await personIn(browser, room, 'alice');
  const page = alice.page;
  const manifestUrl = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifest = await (await page.request.get(manifestUrl!)).json();
  expect(manifest.name).toBe('Parlor');
  expect(manifest.display).toBe('standalone');
  expect(manifest.icons.map((icon: { sizes: string }) => icon.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
  expect((await page.request.get('/icon-512.png')).headers()['content-type']).toBe('image/png');

  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  expect(scope).toMatch(/\/$/);
  await say(page, 'said while online');
  // Loaded once more under the worker's control, so that it keeps this page.
  await page.reload();
  await expect(page.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

  await page.context().setOffline(true);
  await page.reload();
  await expect(page.locator('#messages')).toContainText('said while online');
  await expect(page.locator('#connectionState')).not.toHaveAttribute('data-state', 'connected');
  await say(page, 'written offline');
  await expect(page.locator('#messages .message.pending', { hasText: 'written offline' })).toBeVisible();

  await page.context().setOffline(false);
  await expect(page.locator('#connectionState')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
  await expect(page.locator('#messages .message:not(.pending)', { hasText: 'written offline' })).toBeVisible();
});
