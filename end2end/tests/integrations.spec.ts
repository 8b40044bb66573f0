// Integrations: a webhook made in the room's Webhooks panel, posted to with curl
// as a CI server would, shows its BOT message live; an API token made in the
// settings works with curl until it is revoked there.
import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { hydrated, personIn, register, uniqueName } from './helpers';

/** `curl` as an outside service runs it: the response body and the status. */
function curl(args: string[]): { body: string; status: number } {
  const out = execFileSync('curl', ['-s', '-w', '\n%{http_code}', ...args], { encoding: 'utf8' });
  const cut = out.lastIndexOf('\n');
  return { body: out.slice(0, cut), status: Number(out.slice(cut + 1)) };
}

test('a webhook made in the room posts a BOT message that arrives live', async ({ browser, baseURL }) => {
  const room = uniqueName('hooked').replace(/_/g, '-');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');
  const page = alice.page;
  await page.locator('#webhooksBtn').click();
  await page.locator('#webhookName').fill('CI');
  await page.locator('#createWebhookBtn').click();
  const url = await page.locator('#webhookUrl').inputValue();
  expect(url).toMatch(new RegExp(`^${baseURL}/hooks/[0-9a-f]{32}$`));
  await expect(page.locator('#webhookList .webhook')).toHaveCount(1);
  await expect(page.locator('#webhookList .webhook')).toContainText('CI');

  const posted = curl(['-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"text":"Build #812 passed","username":"Jenkins"}', url]);
  expect(posted).toEqual({ body: 'ok', status: 200 });

  for (const reader of [page, bob.page]) {
    const message = reader.locator('#messages .message', { hasText: 'Build #812 passed' });
    await expect(message).toBeVisible();
    await expect(message.locator('.sender')).toHaveText('Jenkins');
    await expect(message.locator('.bot-badge')).toHaveText('BOT');
  }
  // It stays after a reload (it is the room's history), and a revoked hook answers 410.
  await bob.page.reload();
  await expect(bob.page.locator('#messages .message', { hasText: 'Build #812 passed' }).locator('.bot-badge')).toBeVisible();
  await page.locator('#webhookList .revoke-webhook').click();
  await expect(page.locator('#webhookList .webhook')).toHaveCount(0);
  expect(curl(['-X', 'POST', '-d', '{"text":"late"}', url]).status).toBe(410);
});

test('an API token made in the settings works with curl until it is revoked there', async ({ page, baseURL }) => {
  await register(page, uniqueName('scripter'));
  await page.goto('/settings');
  await page.locator('#tokenName').fill('my script');
  await page.locator('#createToken').click();
  const token = await page.locator('#newTokenValue').inputValue();
  expect(token).toMatch(/^plr_[A-Za-z0-9_-]{43}$/);
  await expect(page.locator('#tokenList .token-row')).toHaveCount(1);
  // Shown once: a reload no longer shows it.
  await page.reload();
  await expect(page.locator('#newTokenValue')).toHaveCount(0);

  const room = uniqueName('scripted').replace(/_/g, '-');
  const sent = curl(['-X', 'POST', '-H', `Authorization: Bearer ${token}`, '-d', 'text=hello from curl', `${baseURL}/api/messages/${room}/`]);
  expect(sent.status).toBe(200);
  expect(JSON.parse(sent.body)).toMatchObject({ room, seq: 1 });
  await page.goto(`/room/${room}/`);
  await expect(page.locator('#messages .message', { hasText: 'hello from curl' })).toBeVisible();

  await page.goto('/settings');
  await hydrated(page);
  await page.locator('#tokenList .revoke-token').click();
  await expect(page.locator('#settingsDone')).toContainText('revoked');
  await expect(page.locator('#tokenList .token-row')).toHaveCount(0);
  const refused = curl(['-H', `Authorization: Bearer ${token}`, `${baseURL}/api/messages/${room}/`]);
  expect(refused.status).toBe(401);
});
