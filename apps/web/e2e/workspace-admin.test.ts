import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  type BrowserTest,
  keepScreenshot,
  seedOrganisation,
  type SeededOrganisation,
  signInThroughConsole,
  startBrowserTest,
} from '@steward/test-kit';

let steward: BrowserTest;
let org: SeededOrganisation;
let lyonWorkspaceId: string;

const EMAIL = 'chapter-admin@acme.example';

beforeAll(async () => {
  steward = await startBrowserTest();
  // "Acme Chapter" (slug `chapter`), which our person administers, and "Lyon", which they only view.
  org = await seedOrganisation(steward.app, 'Acme');
  lyonWorkspaceId = (
    await steward.database.db
      .insertInto('workspaces')
      .values({ organisation_id: org.organisationId, kind: 'chapter', name: 'Lyon', slug: 'lyon' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  await addMember(steward.database.db, org.organisationId, EMAIL, 'member', [
    { workspaceId: org.chapterWorkspaceId, role: 'admin' },
    { workspaceId: lyonWorkspaceId, role: 'viewer' },
  ]);
});
afterAll(() => steward?.close());

async function timezoneOf(workspaceId: string): Promise<string> {
  return (await steward.database.db.selectFrom('workspaces').select('timezone').where('id', '=', workspaceId).executeTakeFirstOrThrow()).timezone;
}

describe('a workspace admin who is a plain member of the organisation', () => {
  it('reaches and changes the settings of the workspace they administer, and only views the other', async () => {
    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, EMAIL);

    // No organisation-wide areas: the sidebar has the Overview but neither Users nor Workspaces.
    const settingsNav = page.getByRole('navigation', { name: 'Settings' });
    await settingsNav.getByRole('link', { name: 'Overview', exact: true }).waitFor();
    expect(await settingsNav.getByRole('link', { name: 'Users', exact: true }).count()).toBe(0);
    expect(await settingsNav.getByRole('link', { name: 'Workspaces', exact: true }).count()).toBe(0);

    // "Your workspaces": both, each with the role held there; not the global workspace (no role there).
    const yourWorkspaces = page.getByRole('navigation', { name: 'Your workspaces' });
    const links = yourWorkspaces.getByRole('link');
    await links.first().waitFor();
    expect((await links.allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim())).toEqual(['Acme Chapter Admin', 'Lyon Viewer']);

    // The administered workspace: editable, saved, and stored.
    const originalTimezone = await timezoneOf(org.chapterWorkspaceId);
    const newTimezone = originalTimezone === 'Europe/Paris' ? 'America/Toronto' : 'Europe/Paris';
    await yourWorkspaces.getByRole('link', { name: /^Acme Chapter/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Acme Chapter', exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/orgs/${org.organisationId}/workspaces/chapter`);
    expect(await page.getByText('Only workspace admins can change these settings').count()).toBe(0);
    expect(await page.getByLabel('Upload a logo', { exact: true }).count()).toBe(1);
    await page.getByLabel('Time zone', { exact: true }).selectOption(newTimezone);
    await page.getByRole('button', { name: 'Save settings', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await timezoneOf(org.chapterWorkspaceId)).toBe(newTimezone);
    expect(await page.getByLabel('Time zone', { exact: true }).inputValue()).toBe(newTimezone);
    await keepScreenshot(page, 'workspace-admin');

    // The workspace they only view: the same page, read-only.
    await yourWorkspaces.getByRole('link', { name: /^Lyon/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Lyon', exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/orgs/${org.organisationId}/workspaces/lyon`);
    await page.getByText('Only workspace admins can change these settings').waitFor();
    expect(await page.getByRole('button', { name: 'Save settings', exact: true }).isDisabled()).toBe(true);
    expect(await page.getByLabel('Time zone', { exact: true }).isDisabled()).toBe(true);
    expect(await page.getByLabel('Upload a logo', { exact: true }).count()).toBe(0);

    // Leaving the organisation, after confirming: the person is signed in but belongs nowhere.
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    await page.getByRole('button', { name: 'Leave organisation', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Leave organisation', exact: true }).click();
    await page.getByText('You are not a member of any organisation yet').waitFor();
    const memberships = await steward.database.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select('users.email')
      .where('memberships.organisation_id', '=', org.organisationId)
      .where('users.email', '=', EMAIL)
      .execute();
    expect(memberships).toEqual([]);
    await page.close();
  });
});
