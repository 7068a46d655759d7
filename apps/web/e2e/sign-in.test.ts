import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserTest, keepScreenshot, startBrowserTest } from '@steward/test-kit';
import { createOrganisation } from '@steward/api';

let steward: BrowserTest;

beforeAll(async () => {
  steward = await startBrowserTest();
  await createOrganisation(steward.database.db, { name: 'Demo', adminEmail: 'admin@example.com' });
});
afterAll(() => steward?.close());

describe('the console', () => {
  it('signs in through the development form and shows who is signed in', async () => {
    const page = await steward.browser.newPage();
    await page.goto(steward.app.url);
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
