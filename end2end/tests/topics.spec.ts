// A room's topic: its owner sets it from the room header, everyone in the
// room sees it under the room's name at once, and a new visit shows it too.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { hydrated, register, uniqueName } from './helpers';

async function newPerson(browser: Browser, prefix: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await register(page, uniqueName(prefix));
  return page;
}

test('a private room\'s owner sets its topic, shown under its name live and on the next visit', async ({ browser }) => {
  const owner = await newPerson(browser, 'owner');
  await owner.goto('/');
  await hydrated(owner);
  await owner.locator('#privateRoomTitle').fill(`Topics ${uniqueName('t')}`);
  await owner.locator('#createPrivateRoomBtn').click();
  await expect(owner).toHaveURL(/\/room\/_[0-9a-f]{32}\/$/);
  await expect(owner.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  const roomUrl = new URL(owner.url()).pathname;
  // A second tab of the owner's, open on the room, sees the change live.
  const tab = await owner.context().newPage();
  await tab.goto(roomUrl);
  await expect(tab.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  await expect(tab.locator('#roomTopic')).toHaveCount(0);

  await owner.locator('#editTopicBtn').click();
  await owner.locator('#topicInput').fill('Ship 4.2 on Friday — مرحبا');
  await owner.locator('#setTopicBtn').click();
  await expect(owner.locator('#roomTopic')).toHaveText('Ship 4.2 on Friday — مرحبا');
  await expect(tab.locator('#roomTopic')).toHaveText('Ship 4.2 on Friday — مرحبا');
  await expect(tab.locator('#roomTopic')).toHaveAttribute('dir', 'auto');

  await owner.reload();
  await expect(owner.locator('#roomTopic')).toHaveText('Ship 4.2 on Friday — مرحبا');
});
