import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSignedInMember, type BrowserTest, keepScreenshot, openSettingsArea, seedOrganisation, type SeededOrganisation, signInThroughConsole, startBrowserTest } from '@steward/test-kit';

/**
 * Issue 11's CSV import in the console: upload, columns mapped (guessed from the headers), the
 * preview naming a refused row's problem, the run with its progress, the summary with the refused
 * rows to download; and no import for viewers.
 */

let steward: BrowserTest;
let org: SeededOrganisation;

beforeAll(async () => {
  steward = await startBrowserTest();
  org = await seedOrganisation(steward.app, 'Acme');
  await addSignedInMember(steward.app, org.organisationId, 'viewer@acme.example', 'member', [{ workspaceId: org.chapterWorkspaceId, role: 'viewer' }]);
});
afterAll(() => steward?.close());

async function contactsInChapter(email: string): Promise<Page> {
  const page = await steward.browser.newPage({ viewport: { width: 1400, height: 900 } });
  await signInThroughConsole(page, steward.app.url, email);
  await openSettingsArea(page, 'Contacts');
  await page.getByLabel('Workspace', { exact: true }).selectOption('chapter');
  await page.waitForURL((url) => url.pathname.includes('/chapter'));
  return page;
}

describe('importing contacts from a CSV file', () => {
  it('uploads, maps, previews, runs and reports, as an organisation admin', async () => {
    const page = await contactsInChapter('admin@acme.example');
    await page.getByRole('button', { name: 'Import CSV' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import contacts into Acme Chapter' });
    const csv = '\uFEFFEmail;First name;Country;Notes\nada@example.org;Ada;GB;first\ngrace@example.org;Grace;Narnia;second\nalan@example.org;Alan;GB;third\n';
    await dialog.getByLabel('CSV file').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await dialog.getByRole('button', { name: 'Upload' }).click();

    await dialog.getByText('people.csv: 3 rows, 4 columns').waitFor();
    expect(await dialog.getByLabel('Import column Email as').inputValue()).toBe('builtIn:email');
    expect(await dialog.getByLabel('Import column Country as').inputValue()).toBe('builtIn:country');
    expect(await dialog.getByLabel('Import column Notes as').inputValue()).toBe('');
    await dialog.getByRole('button', { name: 'Preview' }).click();

    const preview = dialog.getByRole('table');
    await preview.getByText('Refused').waitFor();
    expect(await preview.getByRole('row').filter({ hasText: 'grace@example.org' }).innerText()).toMatch(/ISO 3166-1 alpha-2/);
    expect(await preview.getByText('New', { exact: true }).count()).toBe(2);
    await keepScreenshot(page, 'import-preview');

    await dialog.getByRole('button', { name: 'Import 3 rows' }).click();
    await dialog.getByText('The import is complete.').waitFor();
    expect(await dialog.getByText('3 of 3 rows').count()).toBe(1);
    const download = dialog.getByRole('link', { name: /Download the 1 refused rows/ });
    const href = await download.getAttribute('href');
    const report = await page.evaluate(async (url) => (await fetch(url!)).text(), href);
    expect(report).toContain('grace@example.org;Grace;Narnia;second;');
    await keepScreenshot(page, 'import-summary');

    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('table', { name: 'Contacts' }).getByText('ada@example.org').waitFor();
    await page.close();
  });

  it('offers no import to a viewer', async () => {
    const page = await contactsInChapter('viewer@acme.example');
    await page.getByRole('table', { name: 'Contacts' }).waitFor();
    expect(await page.getByRole('button', { name: 'Import CSV' }).count()).toBe(0);
    await page.close();
  });
});
