import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  type BrowserTest,
  keepScreenshot,
  openSettingsArea,
  seedOrganisation,
  type SeededOrganisation,
  signInThroughConsole,
  startBrowserTest,
} from '@steward/test-kit';

let steward: BrowserTest;
let org: SeededOrganisation;

/** person01 … person26 and four guests: with the admin, 31 members, more than the page size of 25. */
const PEOPLE = Array.from({ length: 26 }, (_, i) => `person${String(i + 1).padStart(2, '0')}@acme.example`);
const GUESTS = ['guest1@partner.example', 'guest2@partner.example', 'guest3@partner.example', 'guest4@partner.example'];

beforeAll(async () => {
  steward = await startBrowserTest();
  org = await seedOrganisation(steward.app, 'Acme');
  for (const email of [...PEOPLE, ...GUESTS]) await addMember(steward.database.db, org.organisationId, email, 'member');
});
afterAll(() => steward?.close());

/** The admin's console on the Users page. */
async function openUsersPage(): Promise<Page> {
  const page = await steward.browser.newPage();
  await signInThroughConsole(page, steward.app.url, org.admin.email);
  await openSettingsArea(page, 'Users');
  return page;
}

const members = (page: Page) => page.getByRole('region', { name: 'Members' });
const pager = (page: Page) => page.getByRole('navigation', { name: 'Members pages' });
/** The member rows of the table (the header row has no cells). */
const memberRows = (page: Page) => members(page).getByRole('row').filter({ has: page.getByRole('cell') });
const memberRow = (page: Page, email: string) => members(page).getByRole('row', { name: new RegExp(email.replace(/[.@]/g, (c) => `\\${c}`)) });

/** Narrows the list to one person through the search box and waits for the debounced result. */
async function searchFor(page: Page, text: string, expected: string) {
  await page.getByLabel('Search users', { exact: true }).fill(text);
  await expect.poll(() => pager(page).textContent()).toBe(`Previous${expected}Next`);
}

async function orgRoleOf(email: string) {
  const row = await steward.database.db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('memberships.org_role')
    .where('memberships.organisation_id', '=', org.organisationId)
    .where('users.email', '=', email)
    .executeTakeFirst();
  return row?.org_role;
}

describe('the Users page, as the organisation admin', () => {
  it('pages through 31 members, and a search by part of an email narrows the list until it is cleared', async () => {
    const page = await openUsersPage();
    await expect.poll(() => pager(page).textContent()).toBe('Previous1–25 of 31Next');
    expect(await memberRows(page).count()).toBe(25);
    expect(await pager(page).getByRole('button', { name: 'Previous', exact: true }).isDisabled()).toBe(true);
    // Sorted by name: the admin, the guests, then person01 … person20.
    expect(await memberRows(page).first().textContent()).toContain(org.admin.email);
    expect(await memberRows(page).nth(1).textContent()).toContain('guest1@partner.example');
    expect(await memberRows(page).last().textContent()).toContain('person20@acme.example');

    await pager(page).getByRole('button', { name: 'Next', exact: true }).click();
    await expect.poll(() => pager(page).textContent()).toBe('Previous26–31 of 31Next');
    expect(await memberRows(page).count()).toBe(6);
    expect((await members(page).getByRole('cell').allTextContents()).filter((text) => text.endsWith('@acme.example'))).toEqual(PEOPLE.slice(20));
    expect(await pager(page).getByRole('button', { name: 'Next', exact: true }).isDisabled()).toBe(true);

    // Part of an address; the query waits for typing to pause, so the result is awaited.
    await page.getByLabel('Search users', { exact: true }).fill('son17@acme');
    await expect.poll(() => pager(page).textContent()).toBe('Previous1–1 of 1Next');
    expect(await memberRows(page).count()).toBe(1);
    expect(await memberRows(page).first().textContent()).toContain('person17@acme.example');

    await page.getByLabel('Search users', { exact: true }).fill('nobody-here');
    await page.getByText('No members match “nobody-here”.', { exact: true }).waitFor();
    expect(await pager(page).count()).toBe(0);

    await page.getByLabel('Search users', { exact: true }).fill('');
    await expect.poll(() => pager(page).textContent()).toBe('Previous1–25 of 31Next');
    expect(await memberRows(page).count()).toBe(25);
    await page.close();
  });

  it('changes a member to billing administrator after confirming', async () => {
    const page = await openUsersPage();
    await searchFor(page, 'person03@', '1–1 of 1');
    const row = memberRow(page, 'person03@acme.example');
    const roleSelect = row.getByLabel('Organisation role of person03', { exact: true });
    expect(await roleSelect.inputValue()).toBe('member');

    await roleSelect.selectOption({ label: 'Billing administrator' });
    const dialog = page.getByRole('dialog', { name: 'Change organisation role' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('Change person03’s organisation role from Member to Billing administrator?');
    // Nothing is stored before the confirmation.
    expect(await orgRoleOf('person03@acme.example')).toBe('member');
    await keepScreenshot(page, 'users-page-actions');
    await dialog.getByRole('button', { name: 'Change role', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    await expect.poll(() => roleSelect.inputValue()).toBe('billing_admin');
    expect(await orgRoleOf('person03@acme.example')).toBe('billing_admin');
    await page.close();
  });

  it('refuses to demote the only admin, saying why in the dialog, and changes nothing', async () => {
    const page = await openUsersPage();
    await searchFor(page, 'admin@acme', '1–1 of 1');
    const row = memberRow(page, org.admin.email);
    expect(await row.textContent()).toContain('(you)');
    const roleSelect = row.getByLabel('Organisation role of Admin', { exact: true });
    expect(await roleSelect.inputValue()).toBe('admin');

    await roleSelect.selectOption({ label: 'Member' });
    const dialog = page.getByRole('dialog', { name: 'Change organisation role' });
    await dialog.getByRole('button', { name: 'Change role', exact: true }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('An organisation must keep at least one admin. Make someone else an admin first.');
    expect(await dialog.isVisible()).toBe(true);

    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await roleSelect.inputValue()).toBe('admin');
    expect(await orgRoleOf(org.admin.email)).toBe('admin');
    // The console still treats the admin as one: the page keeps its Invite button.
    expect(await page.getByRole('button', { name: 'Invite people', exact: true }).count()).toBe(1);
    await page.close();
  });

  it('gives a member a role in the chapter workspace', async () => {
    const page = await openUsersPage();
    await searchFor(page, 'person05@', '1–1 of 1');
    const row = memberRow(page, 'person05@acme.example');
    expect(await row.getByRole('cell').nth(3).textContent()).toBe('None');

    await row.getByRole('button', { name: 'Edit workspace roles', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Workspace roles of person05' });
    const chapterRole = dialog.getByLabel('Role in Acme Chapter', { exact: true });
    expect(await chapterRole.inputValue()).toBe('');
    await chapterRole.selectOption({ label: 'Member' });
    await dialog.getByRole('button', { name: 'Save workspace roles', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    await expect.poll(() => row.getByRole('cell').nth(3).textContent()).toBe('Acme Chapter: Member');
    const stored = await steward.database.db
      .selectFrom('workspace_memberships')
      .innerJoin('users', 'users.id', 'workspace_memberships.user_id')
      .select(['workspace_memberships.workspace_id', 'workspace_memberships.role'])
      .where('users.email', '=', 'person05@acme.example')
      .execute();
    expect(stored).toEqual([{ workspace_id: org.chapterWorkspaceId, role: 'member' }]);
    await page.close();
  });

  it('removes a member after confirming, the only one on the last page, and goes back a page', async () => {
    const page = await openUsersPage();
    await searchFor(page, 'person', '1–25 of 26');
    await pager(page).getByRole('button', { name: 'Next', exact: true }).click();
    await expect.poll(() => pager(page).textContent()).toBe('Previous26–26 of 26Next');
    expect(await memberRows(page).count()).toBe(1);
    await memberRow(page, 'person26@acme.example').getByRole('button', { name: 'Remove', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove person26' });
    expect(await dialog.textContent()).toContain('person26 (person26@acme.example) loses access to Acme');
    await dialog.getByRole('button', { name: 'Remove from organisation', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    // The emptied page gives way to the last one that still has members.
    await expect.poll(() => pager(page).textContent()).toBe('Previous1–25 of 25Next');
    expect(await memberRows(page).count()).toBe(25);
    expect(await memberRow(page, 'person26@acme.example').count()).toBe(0);
    expect(await orgRoleOf('person26@acme.example')).toBeUndefined();
    // The admin cannot remove themselves: their row offers no Remove.
    await searchFor(page, 'admin@acme', '1–1 of 1');
    expect(await memberRow(page, org.admin.email).getByRole('button', { name: 'Remove', exact: true }).count()).toBe(0);
    await page.close();
  });

  it('resends a pending invitation, then revokes it after confirming', async () => {
    const created = await org.admin.agent.trpc<{ id: string }>(
      'invitations.create',
      { organisationId: org.organisationId, email: 'pending@elsewhere.example', orgRole: 'member', workspaces: [] },
      'mutation',
    );
    expect(created.error).toBeNull();
    const page = await openUsersPage();
    const pending = page.getByRole('region', { name: 'Pending invitations' });
    const invitationRow = pending.getByRole('row', { name: /pending@elsewhere\.example/ });
    await invitationRow.waitFor();
    const outboxItems = page
      .getByRole('region', { name: 'Development outbox' })
      .getByRole('listitem')
      .filter({ hasText: 'to pending@elsewhere.example' });
    await expect.poll(() => outboxItems.count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => invitationRow.textContent(), { timeout: 10_000 }).toContain('Sent');

    // Resend: a second email with a fresh link.
    await invitationRow.getByRole('button', { name: 'Resend', exact: true }).click();
    await expect.poll(() => outboxItems.count(), { timeout: 20_000 }).toBe(2);
    const links = await outboxItems.getByRole('link').allTextContents();
    expect(links).toHaveLength(2);
    expect(links[0]).not.toBe(links[1]);

    await invitationRow.getByRole('button', { name: 'Revoke', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke invitation' });
    expect(await dialog.textContent()).toContain('The link sent to pending@elsewhere.example will stop working.');
    await dialog.getByRole('button', { name: 'Revoke invitation', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    await pending.getByText('No pending invitations.', { exact: true }).waitFor();
    expect(await invitationRow.count()).toBe(0);
    const stored = await steward.database.db
      .selectFrom('invitations')
      .select('revoked_at')
      .where('id', '=', created.data.id)
      .executeTakeFirstOrThrow();
    expect(stored.revoked_at).not.toBeNull();
    await page.close();
  });

  // Last: afterwards the seeded admin is an admin no more.
  it('once another admin exists, demotes themselves, and the page at once stops offering admin actions', async () => {
    const page = await openUsersPage();
    await searchFor(page, 'person09@', '1–1 of 1');
    await memberRow(page, 'person09@acme.example').getByLabel('Organisation role of person09', { exact: true }).selectOption({ label: 'Administrator' });
    const dialog = page.getByRole('dialog', { name: 'Change organisation role' });
    await dialog.getByRole('button', { name: 'Change role', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await orgRoleOf('person09@acme.example')).toBe('admin');

    await searchFor(page, 'admin@acme', '1–1 of 1');
    await memberRow(page, org.admin.email).getByLabel('Organisation role of Admin', { exact: true }).selectOption({ label: 'Member' });
    await dialog.getByRole('button', { name: 'Change role', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await orgRoleOf(org.admin.email)).toBe('member');

    // The console knows at once: no role selects, no Invite button, no Users area in the navigation.
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Users', exact: true }).waitFor({ state: 'detached' });
    await page.getByText('Your role in Acme does not give access to this page.', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Invite people', exact: true }).count()).toBe(0);
    expect(await page.getByLabel('Organisation role of Admin', { exact: true }).count()).toBe(0);
    await page.close();
  });
});
