// Link previews: a link to a page shows its preview under the message, live for
// the other reader and after a reload, with the thumbnail Parlor serves; the
// author removes it.
import { expect, test } from '@playwright/test';
import { personIn, say, uniqueName } from './helpers';

const sitePort = Number(process.env.PARLOR_E2E_SITE_PORT ?? 3198);

test('a link shows its preview live and after a reload, and its author removes it', async ({ browser }) => {
  const room = uniqueName('unfurl').replace(/_/g, '-');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');
  const link = `http://127.0.0.1:${sitePort}/article/${room}`;
  await say(alice.page, `worth reading: ${link}`);

  const live = bob.page.locator('#messages .message', { hasText: 'worth reading' }).locator('.link-preview');
  await expect(live.locator('.link-preview-title')).toHaveText('The teapot handbook');
  await expect(live.locator('.link-preview-site')).toHaveText('Brew Notes');
  await expect(live.locator('.link-preview-description')).toHaveText('Everything about brewing, in one place.');
  await expect(live.locator('.link-preview-title')).toHaveAttribute('href', link);
  // The image comes from Parlor, not from the site, and has loaded.
  const image = live.locator('img.link-preview-image');
  await expect(image).toHaveAttribute('src', /^\/previews\/.+\/image$/);
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  // Only the author (or a moderator) is offered to remove it.
  await expect(live.locator('.link-preview-remove')).toBeHidden();

  await bob.page.reload();
  const kept = bob.page.locator('#messages .message', { hasText: 'worth reading' }).locator('.link-preview');
  await expect(kept.locator('.link-preview-title')).toHaveText('The teapot handbook');

  const own = alice.page.locator('#messages .message', { hasText: 'worth reading' }).locator('.link-preview');
  await own.locator('.link-preview-remove').click();
  await expect(own).toHaveCount(0);
  await expect(kept).toHaveCount(0);
  await alice.page.reload();
  await expect(alice.page.locator('#messages .message', { hasText: 'worth reading' })).toBeVisible();
  await expect(alice.page.locator('.link-preview')).toHaveCount(0);
});
