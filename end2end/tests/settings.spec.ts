// Account settings in the browser: a display name shown beside the username,
// and another session logged out from the sessions list.
import { expect, test } from '@playwright/test';
import { logIn, personIn, say, uniqueName } from './helpers';

test('a display name shows beside the username, and another session can be logged out', async ({ browser }) => {
  const room = uniqueName('prefs').replace(/_/g, '-');
  const alice = await personIn(browser, room, 'alice');
  const phone = await (await browser.newContext()).newPage();
  await logIn(phone, alice.name, undefined, `/login?next=/room/${room}/`);
  await expect(phone.locator('#connectionState')).toHaveAttribute('data-state', 'connected');

  await alice.page.goto('/settings');
  await alice.page.locator('#displayName').fill('Alice Liddell');
  await alice.page.locator('#saveDisplayName').click();
  await expect(alice.page.locator('#settingsDone')).toHaveText('Your display name is saved.');
  await expect(alice.page.locator('#sessions tbody tr')).toHaveCount(2);

  await alice.page.goto(`/room/${room}/`);
  await say(alice.page, 'with my name');
  const mine = phone.locator('#messages .message', { hasText: 'with my name' });
  await expect(mine.locator('.sender')).toHaveText('Alice Liddell');
  await expect(mine.locator('.username')).toHaveText(`@${alice.name}`);
  await expect(mine.locator('.avatar')).toHaveText('AL');

  await alice.page.goto('/settings');
  await alice.page.locator('#sessions .end-session').click();
  await expect(alice.page.locator('#settingsDone')).toHaveText('That session is logged out.');
  await expect(alice.page.locator('#sessions tbody tr')).toHaveCount(1);
  await expect(phone.locator('#loginAgain')).toBeVisible();
});
