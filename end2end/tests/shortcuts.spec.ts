// The keyboard: `?` lists the shortcuts, Ctrl+K switches rooms by name,
// Alt+↓ goes to the next room, `/` focuses the search box, Esc closes dialogs;
// new messages are announced through a polite live region.
import { expect, test } from '@playwright/test';
import { personIn, say, uniqueName } from './helpers';

test('shortcuts move between rooms and open the help', async ({ browser }) => {
  const first = uniqueName('kb-a').replace(/_/g, '-');
  const second = uniqueName('kb-b').replace(/_/g, '-');
  const alice = await personIn(browser, first, 'alice');
  await say(alice.page, 'in the first room');
  await expect(alice.page.locator('#messages .message:not(.pending)', { hasText: 'in the first room' })).toBeVisible();
  await alice.page.goto(`/room/${second}/`);
  await expect(alice.page.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  await say(alice.page, 'in the second room');
  await expect(alice.page.locator('#myRooms .my-room')).toHaveCount(2);

  // Single-key shortcuts are for when no field has the focus.
  await alice.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await alice.page.keyboard.press('?');
  await expect(alice.page.locator('#shortcutsHelp')).toBeVisible();
  await expect(alice.page.locator('#shortcutsHelp')).toContainText('Ctrl + K');
  await expect(alice.page.locator('#closeShortcuts')).toBeFocused();
  await alice.page.keyboard.press('Escape');
  await expect(alice.page.locator('#shortcutsHelp')).toHaveCount(0);

  await alice.page.keyboard.press('/');
  await expect(alice.page.locator('#roomSearchInput')).toBeFocused();
  await alice.page.keyboard.press('Escape');

  await alice.page.keyboard.press('Control+k');
  await expect(alice.page.locator('#switcherInput')).toBeFocused();
  await alice.page.keyboard.type(first.slice(0, 8));
  await expect(alice.page.locator('#switcherResults .switcher-result').first()).toContainText(first);
  await alice.page.keyboard.press('Enter');
  await expect(alice.page).toHaveURL(new RegExp(`/room/${first}/$`));
  await expect(alice.page.locator('#connectionState')).toHaveAttribute('data-state', 'connected');

  await alice.page.locator('#messageInput').focus();
  await alice.page.keyboard.press('Alt+ArrowDown');
  await expect(alice.page).toHaveURL(new RegExp(`/room/${second}/$`));
});

test('new messages from others are announced politely', async ({ browser }) => {
  const room = uniqueName('live').replace(/_/g, '-');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');
  const live = alice.page.locator('#liveAnnouncer');
  await expect(live).toHaveAttribute('aria-live', 'polite');
  await say(bob.page, 'can you hear me?');
  await expect(live).toHaveText(`${bob.name}: can you hear me?`);
  await say(alice.page, 'my own words are not read back');
  await expect(alice.page.locator('#messages .message:not(.pending)', { hasText: 'my own words' })).toBeVisible();
  await expect(live).toHaveText(`${bob.name}: can you hear me?`);
});
