// Shared steps for the end-to-end specs: unique users, and registering one.
import { expect, type Browser, type Locator, type Page } from '@playwright/test';

/** A username no other test run has used. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.slice(0, 32);
}

export const PASSWORD = 'correct horse battery';

/** Registers `username` through the register page and waits for the lobby. */
export async function register(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto('/register');
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('#submitBtn').click();
  await expect(page.locator('#currentUser')).toHaveText(username);
}

/** Logs in through the login page (optionally at a URL carrying `?next=`). */
export async function logIn(page: Page, username: string, password = PASSWORD, url = '/login'): Promise<void> {
  await page.goto(url);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('#submitBtn').click();
}

/** A new person (own browser context) registered and connected to `room`. */
export async function personIn(browser: Browser, room: string, prefix: string): Promise<{ page: Page; name: string }> {
  const page = await (await browser.newContext()).newPage();
  const name = uniqueName(prefix);
  await register(page, name);
  await page.goto(`/room/${room}/`);
  await expect(page.locator('#connectionState')).toHaveAttribute('data-state', 'connected');
  return { page, name };
}

/** Types `text` in the composer and presses Enter. */
export async function say(page: Page, text: string): Promise<void> {
  // Enter sends only once the composer is hydrated; before that, on a loaded
  // machine, the text went to a plain textarea and was lost.
  await hydrated(page);
  await page.locator('#messageInput').fill(text);
  await page.locator('#messageInput').press('Enter');
}

/** Waits until the page is hydrated (its handlers attached): forms that work only with JavaScript. */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/**
 * Hovers a message row and clicks one of its actions (shown on hover). If the row is
 * rendered again under a still mouse, Chromium does not re-apply `:hover` until the
 * mouse moves, so the hover and the click are retried together.
 */
export async function clickAction(row: Locator, action: string): Promise<void> {
  await expect(async () => {
    await row.hover();
    await row.locator(action).click({ timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
}
