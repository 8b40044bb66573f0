// The room as people see it: a sidebar beside the room, messages grouped under
// one name and avatar, and on a 375 px phone a drawer, thumb-sized targets, no
// sideways scrolling. Screenshots of both themes and the phone are written to
// docs/screenshots/ when PARLOR_SCREENSHOTS=1.
import { expect, test, type Page } from '@playwright/test';
import { personIn, say, uniqueName } from './helpers';

const SCREENSHOTS = process.env.PARLOR_SCREENSHOTS === '1';

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.locator('#themeSwitch').selectOption(theme);
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
}

test('consecutive messages of one sender share one name and avatar', async ({ browser }) => {
  const room = uniqueName('grp').replace(/_/g, '-');
  const alice = await personIn(browser, room, 'alice');
  await alice.page.setViewportSize({ width: 1280, height: 800 });
  await say(alice.page, 'first of three');
  await say(alice.page, 'second of three');
  await say(alice.page, 'third of three');
  const rows = alice.page.locator('#messages .message:not(.pending)');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).not.toHaveClass(/continued/);
  await expect(rows.nth(1)).toHaveClass(/continued/);
  await expect(rows.nth(2)).toHaveClass(/continued/);
  await expect(rows.nth(0).locator('.avatar')).toHaveText(alice.name.slice(0, 2).toUpperCase());
  await expect(rows.nth(0).locator('.avatar')).toBeVisible();
  await expect(rows.nth(1).locator('.avatar')).toBeHidden();
  // The sidebar sits beside the room.
  await expect(alice.page.locator('#roomSidebar')).toBeVisible();
  await expect(alice.page.locator('#drawerToggle')).toBeHidden();
  const long = 'x'.repeat(400);
  await say(alice.page, long);
  await expect(rows.last()).toContainText('xxxx');
  const overflow = await alice.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test('on a phone the sidebar is a drawer and nothing scrolls sideways', async ({ browser }) => {
  const room = uniqueName('phone').replace(/_/g, '-');
  const bob = await personIn(browser, room, 'bob');
  await say(bob.page, 'hello from a laptop, with a long word: supercalifragilisticexpialidociousandthensomemoretomakeitlong');
  const context = await browser.newContext({ viewport: { width: 375, height: 740 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  const alice = await personIn(browser, room, 'alice');
  const cookies = await alice.page.context().cookies();
  await context.addCookies(cookies);
  await page.goto(`/room/${room}/`);
  await expect(page.locator('#connectionState')).toHaveAttribute('data-state', 'connected');

  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await expect(page.locator('#roomSidebar')).toBeHidden();
  await page.locator('#drawerToggle').click();
  await expect(page.locator('#roomSidebar')).toBeVisible();
  await expect(page.locator('#drawerToggle')).toHaveAttribute('aria-expanded', 'true');
  await page.locator('#drawerClose').click();
  await expect(page.locator('#roomSidebar')).toBeHidden();
  await expect(page).toHaveURL(new RegExp(`/room/${room}/$`));

  for (const target of ['#drawerToggle', '#sendBtn', '#attachBtn', '#messageInput']) {
    const box = await page.locator(target).boundingBox();
    expect(box, target).not.toBeNull();
    expect(box!.height, `${target} height`).toBeGreaterThanOrEqual(44);
  }
  const composer = await page.locator('#messageInput').boundingBox();
  expect(composer!.y + composer!.height).toBeLessThanOrEqual(740);

  // One compact bar: the conversation has most of the screen, the rest is behind the menu.
  await expect(page.locator('.site-header')).toBeHidden();
  const conversation = await page.locator('#messages').boundingBox();
  expect(conversation!.height / 740, 'share of the screen for the conversation').toBeGreaterThanOrEqual(0.7);
  const header = await page.locator('.room-header').boundingBox();
  expect(header!.height, 'the room bar').toBeLessThanOrEqual(56);
  await expect(page.locator('#roomSearchInput')).toBeHidden();
  await page.locator('#roomMenuToggle').click();
  await expect(page.locator('#roomMenuToggle')).toHaveAttribute('aria-expanded', 'true');
  await expect(page.locator('#roomSearchInput')).toBeVisible();
  await expect(page.locator('#menuLogoutBtn')).toBeVisible();
  await page.locator('#roomMenuToggle').click();
  await expect(page.locator('#roomSearchInput')).toBeHidden();
  await page.locator('#messageInput').fill('from my phone');
  await page.locator('#messageInput').press('Enter');
  await expect(bob.page.locator('#messages .message', { hasText: 'from my phone' })).toBeVisible();
  if (SCREENSHOTS) {
    await page.screenshot({ path: '../docs/screenshots/room-phone.png' });
  }
});

test('the room in both themes', async ({ browser }) => {
  const room = uniqueName('themes').replace(/_/g, '-');
  const bob = await personIn(browser, room, 'bob');
  const alice = await personIn(browser, room, 'alice');
  await alice.page.setViewportSize({ width: 1280, height: 800 });
  await say(bob.page, 'Morning! Did the **release** go out?');
  await say(alice.page, 'Yes — notes are in the wiki');
  await say(alice.page, 'and the dashboard is green');
  await expect(alice.page.locator('#messages .message:not(.pending)')).toHaveCount(3);
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(alice.page, theme);
    const background = await alice.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(background).toBe(theme === 'dark' ? 'rgb(21, 23, 28)' : 'rgb(246, 245, 242)');
    if (SCREENSHOTS) {
      await alice.page.screenshot({ path: `../docs/screenshots/room-${theme}.png` });
    }
  }
});
