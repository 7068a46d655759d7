import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserTest, keepScreenshot, openSettingsArea, signInThroughConsole, startBrowserTest } from '@steward/test-kit';
import { createOrganisation } from '@steward/api';

let steward: BrowserTest;
let organisationId: string;

beforeAll(async () => {
  steward = await startBrowserTest();
  ({ organisationId } = await createOrganisation(steward.database.db, { name: 'Demo', adminEmail: 'admin@example.com' }));
});
afterAll(() => steward?.close());

/** The status of a request made with `key`, the way a script would call the API. */
async function statusWithKey(key: string): Promise<number> {
  const input = encodeURIComponent(JSON.stringify({ organisationId }));
  const response = await fetch(`${steward.app.url}/trpc/apiKeys.list?input=${input}`, { headers: { authorization: `Bearer ${key}` } });
  return response.status;
}

/** Everything a person or a script in the page could read back: the markup, the visible text and both storages. */
async function everythingOnThePage(page: Page): Promise<string> {
  const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));
  return `${await page.content()}\n${await page.locator('body').innerText()}\n${stored}`;
}

describe('API keys, integrations and the audit log in the console', () => {
  it('shows a new API key once, revokes it, saves a MailerSend key as a mask, and finds both in the audit log', async () => {
    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, 'admin@example.com');

    // A new key: shown once, in full, in its own dialog.
    await openSettingsArea(page, 'API keys');
    expect(await page.getByRole('main').textContent()).toContain('Authorization: Bearer pai_…');
    expect(await page.getByRole('link', { name: 'API documentation' }).getAttribute('href')).toBe('/api/docs');
    await page.getByRole('button', { name: 'New API key', exact: true }).click();
    const createDialog = page.getByRole('dialog', { name: 'New API key' });
    await createDialog.getByLabel('Name', { exact: true }).fill('Website sign-up form');
    expect(await createDialog.getByLabel('Scope', { exact: true }).inputValue()).toBe('admin');
    await createDialog.getByRole('button', { name: 'Create key', exact: true }).click();

    const keyDialog = page.getByRole('dialog', { name: 'API key created' });
    await keyDialog.waitFor();
    expect(await keyDialog.textContent()).toContain('This is the only time the key is shown');
    const key = (await keyDialog.getByLabel('New API key', { exact: true }).textContent()) ?? '';
    expect(key).toMatch(/^pai_[A-Za-z0-9_-]{40,}$/);
    expect(await statusWithKey(key)).toBe(200);

    // Behind the dialog the list has the key by its prefix only; the owner column is there for an admin.
    const keyRow = page.getByRole('row', { name: /Website sign-up form/ });
    await keyRow.waitFor();
    expect(await keyRow.textContent()).toContain(`${key.slice(0, 10)}…`);
    expect(await keyRow.textContent()).toContain('admin@example.com');
    expect(await keyRow.textContent()).toContain('Active');

    await keyDialog.getByRole('button', { name: 'Done', exact: true }).click();
    await keyDialog.waitFor({ state: 'hidden' });
    expect(await everythingOnThePage(page)).not.toContain(key);
    expect(await everythingOnThePage(page)).toContain(key.slice(0, 10));

    // Revoking asks first, then the key is refused at once.
    await keyRow.getByRole('button', { name: 'Revoke', exact: true }).click();
    const revokeDialog = page.getByRole('dialog', { name: 'Revoke Website sign-up form' });
    await revokeDialog.getByRole('button', { name: 'Revoke key', exact: true }).click();
    await revokeDialog.waitFor({ state: 'hidden' });
    await expect.poll(() => keyRow.textContent()).toContain('Revoked');
    expect(await keyRow.textContent()).not.toContain('Active');
    expect(await keyRow.getByRole('button', { name: 'Revoke', exact: true }).count()).toBe(0);
    expect(await statusWithKey(key)).toBe(401);
    await keepScreenshot(page, 'api-keys-page');

    // MailerSend: the key goes in, only its mask comes back.
    await openSettingsArea(page, 'Integrations');
    const card = page.getByRole('region', { name: 'MailerSend' });
    expect(await card.textContent()).toContain('Not set');
    expect(await card.getByRole('button', { name: 'Revert API key to environment' }).count()).toBe(0);
    await card.getByLabel('New API key', { exact: true }).fill('mlsn.browser-test-key-1234');
    await card.getByRole('button', { name: 'Save', exact: true }).click();
    await card.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const apiKeySetting = card.getByRole('definition').first();
    expect(await apiKeySetting.textContent()).toContain('••••1234');
    expect(await apiKeySetting.textContent()).toContain('Saved here');
    expect(await card.getByRole('button', { name: 'Revert API key to environment' }).count()).toBe(1);
    expect(await card.getByLabel('New API key', { exact: true }).inputValue()).toBe('');
    expect(await everythingOnThePage(page)).not.toContain('mlsn.browser-test-key-1234');
    // The mask comes from the server, not from what was typed: it survives a reload.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Integrations', exact: true }).waitFor();
    await card.getByText('••••1234').waitFor();
    expect(await card.getByRole('definition').first().textContent()).toContain('Saved here');
    await keepScreenshot(page, 'integrations-page');

    // The audit log has all three changes, and never the secrets.
    await openSettingsArea(page, 'Audit log');
    const entries = page.getByRole('region', { name: 'Audit entries' }).locator('tbody tr');
    await expect.poll(() => entries.count()).toBe(3);
    const createEntry = entries.filter({ hasText: 'apiKeys.create' });
    const saveEntry = entries.filter({ hasText: 'integrations.saveMailerSend' });
    expect(await createEntry.count()).toBe(1);
    expect(await saveEntry.count()).toBe(1);
    expect(await createEntry.textContent()).toContain('admin@example.com');
    await saveEntry.getByText('Changes', { exact: true }).click();
    const savedChanges = await saveEntry.locator('pre').textContent();
    expect(savedChanges).toContain('"apiKey"');
    expect(savedChanges).not.toContain('browser-test-key');
    expect(await page.getByText('1–3 of 3').count()).toBe(1);
    expect(await everythingOnThePage(page)).not.toContain(key);
    expect(await page.getByRole('button', { name: /delete|edit/i }).count()).toBe(0);
    await keepScreenshot(page, 'audit-log-page');

    await page.getByLabel('Action', { exact: true }).selectOption('apiKeys.revoke');
    await expect.poll(() => entries.count()).toBe(1);
    expect(await entries.first().textContent()).toContain('apiKeys.revoke');
    expect(await page.getByText('1–1 of 1').count()).toBe(1);
    await page.close();
  });
});
