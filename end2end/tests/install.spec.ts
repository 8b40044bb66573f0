// Installable: a manifest with icons, a service worker in control, and a room
// opened before still opens without a network (its lazily loaded panels too),
// its outbox sent once back online.
import { expect, test } from '@playwright/test';
import { hydrated, personIn, say, uniqueName } from './helpers';

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
  // Stored before the page is loaded again (a reload could otherwise come first).
  await expect(page.locator('#messages .message:not(.pending)', { hasText: 'said while online' })).toBeVisible();
  // Loaded once more under the worker's control, so that it keeps this page.
  await page.reload();
  await expect(page.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

  await page.context().setOffline(true);
  await page.reload();
  await expect(page.locator('#messages')).toContainText('said while online');
  await expect(page.locator('#connectionState')).not.toHaveAttribute('data-state', 'connected');
  // The bundle comes from the worker's cache; typing before it has hydrated
  // the composer would go to a plain textarea (a loaded CI machine once did).
  await hydrated(page);
  // A lazily loaded panel opens too: the worker kept every chunk of the bundle.
  await page.locator('#webhooksBtn').click();
  await expect(page.locator('#webhookName')).toBeVisible();
  await page.locator('#webhooksBtn').click();
  await say(page, 'written offline');
  await expect(page.locator('#messages .message.pending', { hasText: 'written offline' })).toBeVisible();

  await page.context().setOffline(false);
  await expect(page.locator('#connectionState')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
  await expect(page.locator('#messages .message:not(.pending)', { hasText: 'written offline' })).toBeVisible();
});

test('the bundle is in a content-hashed folder that browsers keep for a year', async ({ page }) => {
  const response = await page.goto('/login');
  expect(response?.ok()).toBe(true);
  const html = await page.content();
  const bundle = [...new Set(html.match(/\/pkg\/[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)?/g) ?? [])];
  for (const file of ['parlor.js', 'parlor.wasm', 'parlor.css', 'register-sw.js']) {
    expect(bundle.some((path) => new RegExp(`^/pkg/[0-9a-f]{16}/${file.replace('.', '\\.')}$`).test(path)), `${file} in ${bundle}`).toBe(true);
  }
  // The lazily loaded chunks' loader, which the bundle's JavaScript imports, is named beside it.
  expect(bundle.some((path) => /^\/pkg\/[0-9a-f]{16}\/__wasm_split\.[A-Za-z0-9_-]+\.js$/.test(path)), `chunk loader in ${bundle}`).toBe(true);
  for (const path of bundle) {
    const asset = await page.request.get(path, { headers: { 'accept-encoding': 'br' } });
    expect(asset.status(), path).toBe(200);
    expect(asset.headers()['cache-control'], path).toBe('public, max-age=31536000, immutable');
  }
  const wasm = bundle.find((path) => path.endsWith('.wasm'))!;
  const compressed = await page.request.get(wasm, { headers: { 'accept-encoding': 'br' } });
  expect(compressed.headers()['content-encoding']).toBe('br');
  expect(compressed.headers()['content-type']).toBe('application/wasm');
  // The plain names still answer, asked again each time.
  const plain = await page.request.get('/pkg/parlor.css');
  expect(plain.status()).toBe(200);
  expect(plain.headers()['cache-control']).toBe('no-cache');
});
