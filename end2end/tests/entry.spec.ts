// Who gets in, on a Parlor of its own (registration by invitation, single
// sign-on through a stand-in provider): its first account is the
// administrator, who makes an invitation on /admin that a newcomer registers
// through; and someone logs in with single sign-on and has an account.
import { expect, test } from '@playwright/test';
import { uniqueName } from './helpers';

const entryPort = Number(process.env.PARLOR_E2E_ENTRY_PORT ?? 3196);
test.use({ baseURL: `http://127.0.0.1:${entryPort}` });
test.describe.configure({ mode: 'serial' });

const PASSWORD = 'correct horse battery';

test('the first account makes an invitation a newcomer registers through, once', async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await admin.goto('/register');
  await expect(admin.locator('#registrationMode')).toHaveAttribute('data-mode', 'invite');
  await admin.locator('#username').fill('founder');
  await admin.locator('#password').fill(PASSWORD);
  await admin.locator('#submitBtn').click();
  await expect(admin.locator('#currentUser')).toHaveText('founder');

  await admin.goto('/admin');
  await expect(admin.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(admin.locator('#registrationModeSelect')).toHaveValue('invite');
  await admin.locator('#createInvitation').click();
  const link = admin.locator('#invitationList .invitation .invite-url').first();
  await expect(link).toHaveValue(/\/welcome\/[0-9a-f]{32}$/);
  const url = await link.inputValue();

  // Without the invitation, nobody gets in.
  const stranger = await (await browser.newContext()).newPage();
  await stranger.goto('/register');
  await stranger.locator('#username').fill(uniqueName('stranger'));
  await stranger.locator('#password').fill(PASSWORD);
  await stranger.locator('#submitBtn').click();
  await expect(stranger.locator('.form-error')).toContainText('invitation');

  const newcomer = await (await browser.newContext()).newPage();
  await newcomer.goto(url);
  await expect(newcomer.locator('h1')).toHaveText('You are invited to Parlor');
  const name = uniqueName('newcomer');
  await newcomer.locator('#username').fill(name);
  await newcomer.locator('#password').fill(PASSWORD);
  await newcomer.locator('#submitBtn').click();
  await expect(newcomer.locator('#currentUser')).toHaveText(name);

  // Used up: the link says so.
  const late = await (await browser.newContext()).newPage();
  const response = await late.goto(url);
  expect(response?.status()).toBe(410);
  await expect(late.locator('#invitationEnded')).toBeVisible();
});

test('someone logs in with single sign-on and has an account', async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/login');
  await page.locator('#ssoLogin').click();
  await expect(page.locator('#currentUser')).toHaveText('sso-person');
  // The provider's name is its display name.
  await page.goto('/settings');
  await expect(page.locator('#displayName')).toHaveValue('Sam Single');
});
