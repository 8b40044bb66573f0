// axe-core finds no accessibility violations (WCAG 2.1 A and AA, colour
// contrast included) on each page, in the light and the dark theme.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { hydrated, personIn, say, uniqueName } from './helpers';

async function check(page: Page, what: string): Promise<void> {
  for (const theme of ['light', 'dark']) {
    await page.evaluate((chosen) => document.documentElement.setAttribute('data-theme', chosen), theme);
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const found = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(found, `${what} in the ${theme} theme`).toEqual([]);
  }
}

test('the login and register pages', async ({ page }) => {
  await page.goto('/login');
  await hydrated(page);
  await check(page, 'log-in page');
  await page.goto('/register');
  await hydrated(page);
  await check(page, 'register page');
});

test('the lobby, a room, search and settings', async ({ browser }) => {
  // Eight axe passes over four pages: more than the default 30 s on a loaded 2-core machine.
  test.setTimeout(90_000);
  const room = uniqueName('a11y').replace(/_/g, '-');
  const bob = await personIn(browser, room, 'bob');
  const alice = await personIn(browser, room, 'alice');
  await say(bob.page, `hello @${alice.name}, the **plan** is ready`);
  await say(alice.page, 'thanks, reading it now');
  await expect(alice.page.locator('#messages .message:not(.pending)')).toHaveCount(2);
  await check(alice.page, 'room page');
  await alice.page.goto('/');
  await hydrated(alice.page);
  await check(alice.page, 'lobby');
  await alice.page.goto('/search/?q=plan');
  await expect(alice.page.locator('#searchResults .search-result')).toHaveCount(1);
  await check(alice.page, 'search page');
  await alice.page.goto('/settings');
  await expect(alice.page.locator('#sessions')).toBeVisible();
  await check(alice.page, 'settings page');
});
