// How times and themes read: local times and day dividers in the reader's zone
// (the server renders UTC), and a dark theme by system setting or by choice,
// remembered in the browser.
import { expect, test } from '@playwright/test';
import { hydrated, register, say, uniqueName } from './helpers';

test('times and day dividers are in the reader\'s time zone', async ({ browser }) => {
  const context = await browser.newContext({ timezoneId: 'Pacific/Auckland', locale: 'en-GB' });
  const page = await context.newPage();
  await register(page, uniqueName('kiwi'));
  await page.goto(`/room/${uniqueName('tz').replace(/_/g, '-')}/`);
  await expect(page.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  await say(page, 'what time is it?');
  const time = page.locator('#messages .message:not(.pending) time').first();
  const stamp = (await time.getAttribute('datetime'))!;
  const local = await page.evaluate(
    (at) => new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit' }).format(new Date(at)),
    stamp,
  );
  await expect(time).toHaveText(local);
  expect(local).not.toBe(stamp.slice(11, 16)); // Auckland is never on UTC
  await expect(page.locator('#messages .day-divider').first()).toHaveText('Today');
  await expect(time).toHaveAttribute('title', /\d{4}/);

  // The lobby's active rooms show the same local time, not the server's UTC.
  const room = page.url().split('/room/')[1].replace(/\/$/, '');
  await page.goto('/');
  await hydrated(page);
  const listed = page.locator(`#rooms li[data-room="${room}"] time`);
  await expect(listed).toHaveText(`Today, ${local}`);
  await expect(listed).not.toContainText('UTC');
});

test('the theme follows the system and can be chosen, remembered per browser', async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: 'dark' });
  const page = await context.newPage();
  await register(page, uniqueName('night'));
  const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  await expect.poll(background).toBe('rgb(21, 23, 28)');
  await page.locator('#themeSwitch').selectOption('light');
  await expect.poll(background).toBe('rgb(246, 245, 242)');
  await page.reload();
  await expect.poll(background).toBe('rgb(246, 245, 242)');
  await expect(page.locator('#themeSwitch')).toHaveValue('light');
  await page.locator('#themeSwitch').selectOption('auto');
  await expect.poll(background).toBe('rgb(21, 23, 28)');
});
