import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, keepScreenshot, launchBrowser, startTestApp, type TestApp, type TestDatabase } from '@steward/test-kit';
import { createOrganisation } from '@steward/api';

let database: TestDatabase;
let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  database = await createTestDatabase();
  await createOrganisation(database.db, { name: 'Demo', adminEmail: 'admin@example.com' });
  app = await startTestApp({ database });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await database?.drop();
});

describe('the console', () => {
  it('signs in through the development form and shows who is signed in', async () => {
    const page = await browser.newPage();
    await page.goto(app.url);
    await expect.poll(() => page.getByRole('note').textContent()).toContain('Development sign-in');
    await page.getByLabel('Email', { exact: true }).fill('admin@example.com');
    await page.getByRole('button', { name: 'Sign in (development)' }).click();

    const user = page.getByTestId('signed-in-user');
    await user.waitFor();
    expect(await user.textContent()).toContain('Admin');
    expect(await user.textContent()).toContain('admin@example.com');
    expect(await page.getByRole('combobox', { name: 'Organisation' }).inputValue()).not.toBe('');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Demo');
    const file = await keepScreenshot(page, 'signed-in');
    expect(existsSync(file)).toBe(true);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Steward' }).waitFor();
    await page.close();
  });
});
