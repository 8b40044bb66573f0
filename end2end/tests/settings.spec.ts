// Account settings in the browser: a display name shown beside the username,
// another session logged out from the sessions list, and the API tokens a
// new password revoked, named until dismissed.
import { expect, test } from '@playwright/test';
import { PASSWORD, logIn, personIn, register, say, uniqueName } from './helpers';

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

test('a new password revokes the API tokens, and the settings page names them until dismissed', async ({ page }) => {
  const name = uniqueName('keys');
  await register(page, name);
  await page.goto('/settings');
  await page.locator('#tokenName').fill('deploy script');
  await page.locator('#createToken').click();
  await expect(page.locator('#tokenList .token-row')).toHaveCount(1);

  await page.locator('#currentPassword').fill(PASSWORD);
  await page.locator('#newPassword').fill('a much newer password');
  await page.locator('#changePassword').click();
  await expect(page.locator('#settingsDone')).toContainText('your API tokens revoked');
  await expect(page.locator('#notices .revoked-tokens')).toHaveText('deploy script');
  await expect(page.locator('#tokenList .token-row')).toHaveCount(0);
  await page.locator('#dismissNotices').click();
  await expect(page.locator('#notices')).toHaveCount(0);
  await expect(page.locator('#tokenList .token-row')).toHaveCount(0);
});
