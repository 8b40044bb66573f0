// The composer as people write in it: several lines, Enter and Shift+Enter,
// input methods, drafts that outlive a reload, the formatting help, and what
// is typed before the page hydrated.
import { expect, test } from '@playwright/test';
import { personIn, register, say, uniqueName } from './helpers';

function roomName(prefix: string): string {
  return uniqueName(prefix).replace(/_/g, '-');
}

test('Shift+Enter and Alt+Enter start new lines, Enter sends them as one message', async ({ browser }) => {
  const room = roomName('lines');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');
  const input = alice.page.locator('#messageInput');
  await input.pressSequentially('Shopping:');
  await input.press('Shift+Enter');
  await input.pressSequentially('- bread');
  await input.press('Alt+Enter');
  await input.pressSequentially('- milk');
  await expect(input).toHaveValue('Shopping:\n- bread\n- milk');
  await input.press('Enter');
  await expect(input).toHaveValue('');
  const seen = bob.page.locator('#messages .message[data-seq] .text', { hasText: 'Shopping:' });
  await expect(seen).toBeVisible();
  expect(await seen.innerText()).toMatch(/Shopping:\s*\n.*bread\s*\n.*milk/);

  // A code block keeps its lines too.
  await input.fill('```\nfn main() {}\nlet x = 1;\n```');
  await input.press('Enter');
  await expect(bob.page.locator('#messages .message pre')).toHaveText('fn main() {}\nlet x = 1;');
});

test('the box grows with its text up to part of the screen, then scrolls', async ({ browser }) => {
  const room = roomName('grow');
  const alice = await personIn(browser, room, 'alice');
  await alice.page.setViewportSize({ width: 1280, height: 800 });
  const input = alice.page.locator('#messageInput');
  const height = async () => (await input.boundingBox())!.height;
  const one = await height();
  await input.fill('one\ntwo\nthree\nfour');
  await expect.poll(height).toBeGreaterThan(one * 2);
  await input.fill(Array.from({ length: 60 }, (_, i) => `line ${i}`).join('\n'));
  await expect.poll(height).toBeLessThanOrEqual(800 * 0.4 + 1);
  expect(await input.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
  // Pasted text is left to the box (only files are taken as uploads), lines and all.
  await input.fill('');
  const taken = await input.evaluate((el) => {
    const data = new DataTransfer();
    data.setData('text/plain', 'first\nsecond');
    const paste = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
    el.dispatchEvent(paste);
    return paste.defaultPrevented;
  });
  expect(taken).toBe(false);
  await input.focus();
  await alice.page.keyboard.insertText('first\nsecond');
  await expect(input).toHaveValue('first\nsecond');
});

test('Enter while an input method is composing does not send', async ({ browser }) => {
  const room = roomName('ime');
  const alice = await personIn(browser, room, 'alice');
  const input = alice.page.locator('#messageInput');
  await input.fill('にほん');
  const prevented = await input.evaluate((el) => {
    const composing = new KeyboardEvent('keydown', { key: 'Enter', isComposing: true, bubbles: true, cancelable: true });
    el.dispatchEvent(composing);
    return composing.defaultPrevented;
  });
  expect(prevented).toBe(false);
  await expect(input).toHaveValue('にほん');
  await expect(alice.page.locator('#messages .message')).toHaveCount(0);
  await input.press('Enter');
  await expect(alice.page.locator('#messages .message[data-seq] .text')).toHaveText(['にほん']);
});

test('a draft is kept per room across reloads and tabs, and cleared when sent', async ({ browser }) => {
  const room = roomName('draft');
  const other = roomName('other');
  const alice = await personIn(browser, room, 'alice');
  const input = alice.page.locator('#messageInput');
  await input.fill('half a thought\nand a second line');
  await alice.page.reload();
  await expect(alice.page.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  await expect(input).toHaveValue('half a thought\nand a second line');

  // Another tab of the same browser opens the room with the draft; another room has none.
  const tab = await alice.page.context().newPage();
  await tab.goto(`/room/${room}/`);
  await expect(tab.locator('#messageInput')).toHaveValue('half a thought\nand a second line');
  await tab.goto(`/room/${other}/`);
  await expect(tab.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  await expect(tab.locator('#messageInput')).toHaveValue('');
  await tab.close();

  await input.press('Enter');
  await expect(alice.page.locator('#messages .message[data-seq] .text')).toContainText(['half a thought']);
  await alice.page.reload();
  await expect(alice.page.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  await expect(input).toHaveValue('');
});

test('up arrow in the empty box edits the last message, with its lines', async ({ browser }) => {
  const room = roomName('upedit');
  const alice = await personIn(browser, room, 'alice');
  const input = alice.page.locator('#messageInput');
  await input.fill('first line\nsecond line');
  await input.press('Enter');
  await expect(alice.page.locator('#messages .message[data-seq]')).toHaveCount(1);
  await input.press('ArrowUp');
  const edit = alice.page.locator('.edit-input');
  await expect(edit).toHaveValue('first line\nsecond line');
  await edit.press('End');
  await edit.press('Shift+Enter');
  await edit.pressSequentially('third line');
  await edit.press('Enter');
  await expect(alice.page.locator('#messages .message .edited')).toHaveText('(edited)');
  expect(await alice.page.locator('#messages .message[data-seq] .text').innerText()).toMatch(/second line\s*\n\s*third line/);
});

test('the formatting help is one keystroke away from the box', async ({ browser }) => {
  const room = roomName('help');
  const alice = await personIn(browser, room, 'alice');
  await alice.page.locator('#messageInput').focus();
  await alice.page.keyboard.press('Control+/');
  const help = alice.page.locator('#formattingHelp');
  await expect(help).toBeVisible();
  await expect(help).toContainText('**bold**');
  await expect(help).toContainText('a quote');
  await alice.page.locator('#closeShortcuts').click();
  await say(alice.page, '**bold** and *italic*');
  await expect(alice.page.locator('#messages .message[data-seq] strong', { hasText: 'bold' })).toBeVisible();
});

test('text typed before the page hydrated is kept, and Enter pressed meanwhile sends it once', async ({ browser }) => {
  const room = roomName('early');
  const bob = await personIn(browser, room, 'bob');
  // No service worker: it would answer the bundle's requests itself, past the delay below.
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  await register(page, uniqueName('alice'));
  // The bundle's WebAssembly arrives late, as on a slow link: the box is the server's plain HTML meanwhile.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`/room/${room}/`);
  const input = page.locator('#messageInput');
  await input.pressSequentially('typed before hydration');
  await input.press('Enter');
  await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
  release();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  const sent = bob.page.locator('#messages .message[data-seq]', { hasText: 'typed before hydration' });
  await expect(sent).toHaveCount(1);
  await expect(input).toHaveValue('');

  // Text typed early without Enter stays in the box for its writer.
  let releaseAgain = () => {};
  const heldAgain = new Promise<void>((resolve) => (releaseAgain = resolve));
  await page.unroute(/\.wasm$/);
  await page.route(/\.wasm$/, async (route) => {
    await heldAgain;
    await route.continue();
  });
  await page.reload();
  await input.pressSequentially('still here');
  releaseAgain();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(input).toHaveValue('still here');
  await expect(bob.page.locator('#messages .message[data-seq]', { hasText: 'still here' })).toHaveCount(0);
});
