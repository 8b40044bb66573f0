// Languages (#45): a person chooses Spanish in their settings and every page
// speaks it, the room's island too (its texts come with the page, so the
// hydrated composer says what the server rendered); a browser that asks for
// Spanish gets it before logging in.
import { expect, test } from '@playwright/test';
import { clickAction, hydrated, personIn, say, uniqueName } from './helpers';

test('choosing Spanish in the settings changes every page, the room island included', async ({ browser }) => {
  const room = uniqueName('idioma').replace(/_/g, '-');
  const ana = await personIn(browser, room, 'ana');
  const page = ana.page;
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.locator('#sendBtn')).toHaveText('Send');

  await page.goto('/settings');
  await page.locator('#languageChoice').selectOption('es');
  await page.locator('#saveLanguage').click();
  await expect(page.locator('#settingsDone')).toHaveText('Tu idioma está guardado.');
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await expect(page.locator('#settingsLink')).toHaveText('Ajustes');

  await page.goto(`/room/${room}/`);
  await hydrated(page);
  await expect(page.locator('#sendBtn')).toHaveText('Enviar');
  await expect(page.locator('#messageInput')).toHaveAttribute('placeholder', 'Escribe un mensaje…');
  await say(page, 'hola a todos');
  const row = page.locator('#messages .message:not(.pending)', { hasText: 'hola a todos' });
  await expect(row).toBeVisible();
  // The thread panel, opened from the row's toolbar.
  await clickAction(row, '.thread-btn');
  await expect(page.locator('#threadTitle')).toHaveText('Hilo');
  await expect(page.locator('#threadInput')).toHaveAttribute('placeholder', 'Responde…');
  await expect(page.locator('#threadSendBtn')).toHaveText('Responder');
  await page.locator('#threadBack').click();
  await expect(page.locator('#threadPanel')).toHaveCount(0);
  // Texts the island makes in the browser come from the same catalog.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('?');
  await expect(page.locator('#shortcutsTitle')).toHaveText('Atajos de teclado');
  await expect(page.locator('#shortcutsHelp')).toContainText('Enviar el mensaje');
});

test('a browser asking for Spanish gets the log-in page in Spanish', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'es-MX' });
  const page = await context.newPage();
  await page.goto('/login');
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await expect(page).toHaveTitle('Iniciar sesión · Parlor');
  await expect(page.locator('label[for="username"]')).toHaveText('Nombre de usuario');
  await context.close();
});

test('a message in Arabic reads right to left inside an English page', async ({ browser }) => {
  const room = uniqueName('rtl').replace(/_/g, '-');
  const { page } = await personIn(browser, room, 'amal');
  await say(page, 'مرحبا بالجميع');
  const text = page.locator('#messages .message:not(.pending)', { hasText: 'مرحبا' }).locator('.text');
  await expect(text).toHaveAttribute('dir', 'auto');
  expect(await text.evaluate((el) => getComputedStyle(el).direction)).toBe('rtl');
  await say(page, 'and this one in English');
  const english = page.locator('#messages .message:not(.pending)', { hasText: 'and this one' }).locator('.text');
  await expect(english).toBeVisible();
  expect(await english.evaluate((el) => getComputedStyle(el).direction)).toBe('ltr');
  await page.reload();
  const again = page.locator('#messages .message', { hasText: 'مرحبا' }).locator('.text');
  expect(await again.evaluate((el) => getComputedStyle(el).direction)).toBe('rtl');
});
