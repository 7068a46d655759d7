import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserTest, keepScreenshot, openSettingsArea, seedOrganisation, type SeededOrganisation, signInThroughConsole, startBrowserTest } from '@steward/test-kit';

/**
 * Issue 12, campaigns in the console: an admin writes a campaign (an unknown merge field is refused
 * with its name), sees its audience counted, sends it after confirming, and watches it finish.
 * With no MailerSend key outside production, the emails land in the development outbox.
 */

let steward: BrowserTest;
let org: SeededOrganisation;

beforeAll(async () => {
  steward = await startBrowserTest();
  org = await seedOrganisation(steward.app, 'Acme');
  const category = await org.admin.agent.trpc<{ id: string }>('emailCategories.create', { workspaceId: org.chapterWorkspaceId, name: 'Newsletter', subscribedByDefault: true }, 'mutation');
  expect(category.error, category.text).toBeNull();
  for (const [firstName, email] of [['Ada', 'ada@example.org'], ['Grace', 'grace@example.org'], ['Alan', 'alan@example.org']]) {
    const created = await org.admin.agent.trpc('contacts.create', { workspaceId: org.chapterWorkspaceId, firstName, email }, 'mutation');
    expect(created.error, created.text).toBeNull();
  }
});
afterAll(() => steward?.close());

describe('campaigns in the console', () => {
  it('an admin writes a campaign, sees its audience, sends it after confirming, and watches it finish', async () => {
    const page = await steward.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await signInThroughConsole(page, steward.app.url, org.admin.email);
    await openSettingsArea(page, 'Campaigns', 'chapter');

    await page.getByRole('button', { name: 'New campaign', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'New campaign' });
    await dialog.getByLabel('Name', { exact: true }).fill('November news');
    await dialog.getByLabel('Subject', { exact: true }).fill('Hello {{frstName}}');
    await dialog.getByLabel('Text body', { exact: true }).fill('Dear {{firstName}}, news from {{workspaceName}}.');
    await dialog.getByRole('status').filter({ hasText: '3 contacts would receive it now.' }).waitFor();
    await dialog.getByRole('button', { name: 'Save draft', exact: true }).click();
    await dialog.getByRole('alert').filter({ hasText: '{{frstName}}' }).waitFor();
    await dialog.getByLabel('Subject', { exact: true }).fill('Hello {{firstName}}');
    await dialog.getByRole('button', { name: 'Save draft', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('heading', { level: 1, name: 'November news' }).waitFor();
    await page.getByRole('button', { name: 'Send now', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Send November news now?' });
    await confirm.getByText('It goes to 3 contacts').waitFor();
    await confirm.getByRole('button', { name: 'Send now', exact: true }).click();
    await confirm.waitFor({ state: 'hidden' });

    await expect.poll(async () => (await page.locator('.campaign-progress').innerText()).replace(/\s+/g, ' '), { timeout: 15_000 }).toContain('Sent 3');
    await expect.poll(() => page.locator('.status.campaign-sent').count(), { timeout: 15_000 }).toBe(1);
    await keepScreenshot(page, 'campaign-sent');

    const outbox = await steward.app.db.selectFrom('dev_outbox').select(['to_email', 'subject', 'text']).where('organisation_id', '=', org.organisationId).orderBy('to_email').execute();
    expect(outbox.map((e) => e.to_email)).toEqual(['ada@example.org', 'alan@example.org', 'grace@example.org']);
    expect(outbox[0]!.subject).toBe('Hello Ada');
    expect(outbox[0]!.text).toMatch(/^Dear Ada, news from Acme Chapter\.\n\n--\nYou receive this email from Acme Chapter \(Newsletter\)\.\nUnsubscribe or choose which emails you receive: http:\/\/\S+\/unsubscribe\/\S+\n$/);
  });
});
