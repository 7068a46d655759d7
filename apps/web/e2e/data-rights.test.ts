import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addSignedInMember,
  type BrowserTest,
  keepScreenshot,
  openSettingsArea,
  seedOrganisation,
  type SeededOrganisation,
  type SeededUser,
  signInThroughConsole,
  startBrowserTest,
} from '@steward/test-kit';

/**
 * Issue 12, a person's rights in the console: on a contact's record, a workspace admin downloads
 * everything Steward holds about them, then erases them after typing their address and the
 * request; a member of the workspace is offered neither.
 */

let steward: BrowserTest;
let org: SeededOrganisation;
let member: SeededUser;
let contactId: string;
const EMAIL = 'ada@analytical-engine.example';

beforeAll(async () => {
  steward = await startBrowserTest();
  org = await seedOrganisation(steward.app, 'Acme');
  member = await addSignedInMember(steward.app, org.organisationId, 'member@acme.example', 'member', [{ workspaceId: org.chapterWorkspaceId, role: 'member' }]);
  const created = await org.admin.agent.trpc<{ id: string }>('contacts.create', { workspaceId: org.chapterWorkspaceId, firstName: 'Ada', lastName: 'Lovelace', email: EMAIL }, 'mutation');
  expect(created.error, created.text).toBeNull();
  contactId = created.data.id;
});
afterAll(() => steward?.close());

async function openRecord(email: string): Promise<Page> {
  const page = await steward.browser.newPage({ viewport: { width: 1400, height: 900 } });
  await signInThroughConsole(page, steward.app.url, email);
  await openSettingsArea(page, 'Contacts');
  await page.getByLabel('Workspace', { exact: true }).selectOption('chapter');
  await page.getByRole('link', { name: 'Ada Lovelace', exact: true }).click();
  await page.getByRole('dialog', { name: 'Ada Lovelace' }).waitFor();
  return page;
}

describe('a person’s rights on the contact record', () => {
  it('a member is offered neither export nor erasure', async () => {
    const page = await openRecord(member.email);
    await page.getByRole('dialog', { name: 'Ada Lovelace' }).getByRole('list', { name: 'Consent history' }).or(page.getByText('No change of consent yet.')).first().waitFor();
    expect(await page.getByRole('region', { name: 'Personal data' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Export data|Erase person/ }).count()).toBe(0);
  });

  it('an admin downloads the data as JSON, then erases the person after typing their address', async () => {
    const page = await openRecord(org.admin.email);
    const record = page.getByRole('dialog', { name: 'Ada Lovelace' });
    const section = record.getByRole('region', { name: 'Personal data' });

    const [download] = await Promise.all([page.waitForEvent('download'), section.getByRole('button', { name: 'Export data', exact: true }).click()]);
    expect(download.suggestedFilename()).toBe(`personal-data-${contactId}.json`);
    const exported = JSON.parse(await readFile((await download.path())!, 'utf8')) as { format: string; complete: boolean; person: { email: string; lastName: string } };
    expect(exported).toMatchObject({ format: 'steward.personal-data/1', complete: true, person: { email: EMAIL, lastName: 'Lovelace' } });

    await section.getByRole('button', { name: 'Erase person…', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Erase this person' });
    const erase = dialog.getByRole('button', { name: 'Erase person', exact: true });
    await dialog.getByLabel('Which request this answers', { exact: true }).fill('Email of 12 May, ticket 4521');
    expect(await erase.isDisabled()).toBe(true);
    await dialog.getByLabel('Type their email address to confirm', { exact: true }).fill('ada@analytical-engine.exampl');
    expect(await erase.isDisabled()).toBe(true);
    await dialog.getByLabel('Type their email address to confirm', { exact: true }).fill(EMAIL.toUpperCase());
    await keepScreenshot(page, 'data-rights-erase');
    await erase.click();

    await record.waitFor({ state: 'hidden' });
    await page.getByRole('link', { name: 'Ada Lovelace', exact: true }).waitFor({ state: 'detached' });
    expect(await steward.database.db.selectFrom('contacts').select('id').where('id', '=', contactId).executeTakeFirst()).toBeUndefined();
    const entry = await steward.database.db.selectFrom('audit_log').select(['after']).where('action', '=', 'dataRights.erase').executeTakeFirstOrThrow();
    expect(entry.after).toMatchObject({ request: 'Email of 12 May, ticket 4521', suppressed: true });
  });
});

describe('consent columns of a CSV import', () => {
  it('are mapped from their headers, explained on the page, and land in the consent history as coming from the import', async () => {
    const category = await org.admin.agent.trpc<{ id: string }>('emailCategories.create', { workspaceId: org.chapterWorkspaceId, name: 'Newsletter' }, 'mutation');
    expect(category.error, category.text).toBeNull();
    const page = await steward.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await signInThroughConsole(page, steward.app.url, org.admin.email);
    await openSettingsArea(page, 'Contacts');
    await page.getByLabel('Workspace', { exact: true }).selectOption('chapter');
    await page.getByRole('button', { name: 'Import CSV' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import contacts into Acme Chapter' });
    const csv = 'Email,First name,Unsubscribed from everything,Category: Newsletter\ngrace@example.org,Grace,no,subscribed\nalan@example.org,Alan,yes,\n';
    await dialog.getByLabel('CSV file').setInputFiles({ name: 'consent.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await dialog.getByRole('button', { name: 'Upload' }).click();
    await dialog.getByText('consent.csv: 2 rows, 4 columns').waitFor();
    expect(await dialog.getByLabel('Import column Unsubscribed from everything as').inputValue()).toBe('consent:global');
    expect(await dialog.getByLabel('Import column Category: Newsletter as').inputValue()).toBe(`consent:category:${category.data.id}`);
    await dialog.getByText('Email consent columns').click();
    await dialog.getByText('An import never re-subscribes someone who unsubscribed', { exact: false }).waitFor();
    await keepScreenshot(page, 'import-consent-columns');
    await dialog.getByRole('button', { name: 'Preview' }).click();
    await dialog.getByRole('button', { name: 'Import 2 rows' }).click();
    await dialog.getByText('The import is complete.').waitFor();

    const history = await steward.database.db
      .selectFrom('consent_history as h')
      .innerJoin('contacts as c', 'c.id', 'h.contact_id')
      .select(['c.email', 'h.level', 'h.status', 'h.source'])
      .orderBy('h.id')
      .execute();
    // Written a level at a time: the global unsubscribes of the batch, then the workspace switches, then the categories.
    expect(history).toEqual([
      { email: 'alan@example.org', level: 'global', status: 'unsubscribed', source: 'import' },
      { email: 'grace@example.org', level: 'category', status: 'subscribed', source: 'import' },
    ]);
  });
});
