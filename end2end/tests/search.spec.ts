// Search as people use it: from the room header's box, results with the words
// marked, and a result that opens the message in its room.
import { expect, test } from '@playwright/test';
import { personIn, say, uniqueName } from './helpers';

test('search from the room header finds a message and jumps to it', async ({ browser }) => {
  const room = uniqueName('find').replace(/_/g, '-');
  const word = uniqueName('w').replace(/[^a-z0-9]/g, '');
  const alice = await personIn(browser, room, 'alice');
  await say(alice.page, `the ${word} decision is made`);
  for (let i = 0; i < 25; i++) {
    await say(alice.page, `filler message ${i}`);
  }
  await expect(alice.page.locator('#messages .message:not(.pending) .text').last()).toHaveText('filler message 24');

  await alice.page.locator('#roomSearchInput').fill(word.slice(0, 6) + '*');
  await alice.page.locator('#roomSearchInput').press('Enter');
  await expect(alice.page).toHaveURL(/\/search\/\?q=/);
  const result = alice.page.locator('#searchResults .search-result');
  await expect(result).toHaveCount(1);
  await expect(result.locator('mark')).toHaveText(word);
  await expect(result.locator('.result-room')).toHaveText(`#${room}`);

  await result.locator('.result-link').click();
  await expect(alice.page).toHaveURL(new RegExp(`/room/${room}/\\?at=\\d+$`));
  const found = alice.page.locator('#messages .message.highlighted');
  await expect(found).toContainText(`the ${word} decision is made`);
  await expect(found).toBeInViewport();
});

test('a bad query says what is wrong', async ({ browser }) => {
  const alice = await personIn(browser, uniqueName('badq').replace(/_/g, '-'), 'alice');
  await alice.page.goto('/search/?q=%22unclosed');
  await expect(alice.page.locator('#searchProblem')).toContainText('a quote is not closed');
});
