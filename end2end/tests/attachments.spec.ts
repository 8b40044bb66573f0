// Files in the conversation: a pasted screenshot shows as a thumbnail on the
// other person's screen and opens full size; a picked file shows as a download.
import { expect, test } from '@playwright/test';
import { personIn, uniqueName } from './helpers';

test('a pasted image appears as a thumbnail for the other person', async ({ browser }) => {
  const room = uniqueName('pics').replace(/_/g, '-');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');

  // A 900×600 PNG drawn in the page, pasted into the message box as a screenshot is.
  await alice.page.locator('#messageInput').focus();
  await alice.page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 900;
    canvas.height = 600;
    const context = canvas.getContext('2d')!;
    context.fillStyle = '#3b5bdb';
    context.fillRect(0, 0, 900, 600);
    const blob: Blob = await new Promise((done) => canvas.toBlob((b) => done(b!), 'image/png'));
    const data = new DataTransfer();
    data.items.add(new File([blob], 'screenshot.png', { type: 'image/png' }));
    const paste = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
    document.querySelector('#messageInput')!.dispatchEvent(paste);
  });
  await expect(alice.page.locator('#stagedFile')).toContainText('screenshot.png');
  await alice.page.locator('#messageInput').fill('the new colour');
  await alice.page.locator('#messageInput').press('Enter');
  await expect(alice.page.locator('#stagedFile')).toHaveCount(0);

  const shown = bob.page.locator('#messages .message', { hasText: 'the new colour' });
  const thumbnail = shown.locator('.attachment-image img');
  await expect(thumbnail).toBeVisible();
  await expect(thumbnail).toHaveAttribute('alt', 'screenshot.png');
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(480);
  const full = await shown.locator('.attachment-image').getAttribute('href');
  const response = await bob.page.request.get(full!);
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toBe('image/png');
});

test('a picked file shows its name, size and a download link', async ({ browser }) => {
  const room = uniqueName('files').replace(/_/g, '-');
  const alice = await personIn(browser, room, 'alice');
  const bob = await personIn(browser, room, 'bob');
  await alice.page.locator('#fileInput').setInputFiles({
    name: 'notes.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('minutes of the meeting\n'.repeat(100)),
  });
  await expect(alice.page.locator('#stagedFile')).toContainText('notes.txt (2.3 KB)');
  await alice.page.locator('#sendBtn').click();
  const file = bob.page.locator('#messages .message .attachment-file');
  await expect(file).toContainText('notes.txt');
  await expect(file.locator('.attachment-size')).toHaveText('2.3 KB');
  await expect(file.locator('a')).toHaveAttribute('download', 'notes.txt');
});
