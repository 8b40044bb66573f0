// Lazily loaded panels: a room page's first load carries the panel's button,
// not its code; the code (a chunk of its own in the bundle's hashed folder,
// kept for a year) is fetched when the button is first used.
import { expect, test } from '@playwright/test';
import { hydrated, personIn, uniqueName } from './helpers';

test("a panel's code is fetched on its first use, not with the page", async ({ browser }) => {
  const room = uniqueName('lazy').replace(/_/g, '-');
  const alice = await personIn(browser, room, 'alice');
  const page = alice.page;
  const chunks: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (/\/split_[^/]+\.wasm$/.test(path)) chunks.push(path);
  });
  await page.reload();
  await hydrated(page);
  await page.waitForLoadState('networkidle');
  expect(chunks, 'no panel code with the page').toEqual([]);

  const fetched = page.waitForResponse((response) => /\/split_webhooks_panel_[^/]+\.wasm$/.test(new URL(response.url()).pathname));
  await page.locator('#webhooksBtn').click();
  await expect(page.locator('#webhookName')).toBeVisible();
  const chunk = await fetched;
  expect(new URL(chunk.url()).pathname).toMatch(/^\/pkg\/[0-9a-f]{16}\/split_webhooks_panel_[0-9]+\.wasm$/);
  expect(chunk.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
  expect(chunks.filter((path) => path.includes('split_webhooks_panel_')), 'fetched once').toHaveLength(1);
  expect(chunks.filter((path) => !path.includes('split_webhooks_panel_')), 'only that panel').toEqual([]);

  // Closed and opened again, it needs nothing more.
  await page.locator('#webhooksBtn').click();
  await expect(page.locator('#webhookName')).toHaveCount(0);
  await page.locator('#webhooksBtn').click();
  await expect(page.locator('#webhookName')).toBeVisible();
  expect(chunks).toHaveLength(1);
});
