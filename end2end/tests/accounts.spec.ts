// Accounts: register, log out, log in, errors on the form, and `?next=`.
import { expect, test } from '@playwright/test';
import { logIn, PASSWORD, register, uniqueName } from './helpers';

test('a new user registers and is logged in', async ({ page }) => {
  const name = uniqueName('reg');
  await register(page, name);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator('#logoutBtn')).toBeVisible();
});

test('a user logs out and logs back in', async ({ page }) => {
  const name = uniqueName('cycle');
  await register(page, name);
  await page.locator('#logoutBtn').click();
  await expect(page.locator('a[href="/login"]')).toBeVisible();
  await expect(page.locator('#currentUser')).toHaveCount(0);
  await logIn(page, name);
  await expect(page.locator('#currentUser')).toHaveText(name);
});

test('a wrong password shows its error on the form', async ({ page }) => {
  const name = uniqueName('wrong');
  await register(page, name);
  await page.locator('#logoutBtn').click();
  await logIn(page, name, 'not the password');
  await expect(page.locator('.form-error')).toHaveText('wrong username or password');
  await expect(page.locator('#username')).toHaveValue(name);
  await expect(page.locator('#currentUser')).toHaveCount(0);
});

test('registration errors are explained on the form', async ({ page }) => {
  await page.goto('/register');
  await page.locator('#username').fill(uniqueName('short'));
  await page.locator('#password').fill('short');
  await page.locator('#submitBtn').click();
  await expect(page.locator('.form-error')).toHaveText('passwords need at least 8 characters');

  const taken = uniqueName('taken');
  await register(page, taken);
  await page.locator('#logoutBtn').click();
  await page.goto('/register');
  await page.locator('#username').fill(taken);
  await page.locator('#password').fill(PASSWORD);
  await page.locator('#submitBtn').click();
  await expect(page.locator('.form-error')).toHaveText('that username is taken');
});

test('an anonymous visit to a room lands on login and returns after it', async ({ page }) => {
  const name = uniqueName('next');
  await register(page, name);
  await page.locator('#logoutBtn').click();
  await page.goto('/room/returning/');
  await expect(page).toHaveURL(/\/login\?next=%2Froom%2Freturning%2F/);
  await page.locator('#username').fill(name);
  await page.locator('#password').fill(PASSWORD);
  await page.locator('#submitBtn').click();
  await expect(page).toHaveURL(/\/room\/returning\/$/);
  await expect(page.locator('#messageInput')).toBeVisible();
});
