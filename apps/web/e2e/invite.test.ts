import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserTest, keepScreenshot, openSettingsArea, signInThroughConsole, signInThroughForm, startBrowserTest } from '@steward/test-kit';
import { createOrganisation } from '@steward/api';

let steward: BrowserTest;
let organisationId: string;

beforeAll(async () => {
  steward = await startBrowserTest();
  ({ organisationId } = await createOrganisation(steward.database.db, { name: 'Demo', adminEmail: 'admin@example.com' }));
});
afterAll(() => steward?.close());

describe('inviting someone from the console', () => {
  it('invites a newcomer to a new chapter workspace; they accept through the emailed link and become a member', async () => {
    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, 'admin@example.com');

    // A chapter workspace, created through the Workspaces page; the slug is suggested from the name.
    await openSettingsArea(page, 'Workspaces');
    await page.getByRole('button', { name: 'New workspace', exact: true }).click();
    const createDialog = page.getByRole('dialog', { name: 'New workspace' });
    await createDialog.getByLabel('Name', { exact: true }).fill('Paris Chapter');
    expect(await createDialog.getByLabel('Slug', { exact: true }).inputValue()).toBe('paris-chapter');
    await createDialog.getByRole('button', { name: 'Create workspace', exact: true }).click();
    await createDialog.waitFor({ state: 'hidden' });
    const parisRow = page.getByRole('row', { name: /Paris Chapter/ });
    await parisRow.waitFor();
    expect(await parisRow.textContent()).toContain('paris-chapter');
    expect(await parisRow.getByRole('button', { name: 'Delete', exact: true }).count()).toBe(1);
    // The global workspace can never be deleted, so it offers no Delete.
    expect(await page.getByRole('row', { name: /^Global global/ }).getByRole('button', { name: 'Delete', exact: true }).count()).toBe(0);
    await keepScreenshot(page, 'workspaces-page');

    // The invitation: member of the organisation, member of Paris Chapter.
    await openSettingsArea(page, 'Users');
    await page.getByRole('button', { name: 'Invite people', exact: true }).click();
    const inviteDialog = page.getByRole('dialog', { name: 'Invite people' });
    await inviteDialog.getByLabel('Email address', { exact: true }).fill('newcomer@example.org');
    expect(await inviteDialog.getByLabel('Organisation role', { exact: true }).inputValue()).toBe('member');
    await inviteDialog.getByRole('button', { name: 'Add workspace', exact: true }).click();
    await inviteDialog.getByLabel('Workspace 1', { exact: true }).selectOption({ label: 'Paris Chapter' });
    await inviteDialog.getByLabel('Role in workspace 1', { exact: true }).selectOption({ label: 'Member' });
    await inviteDialog.getByRole('button', { name: 'Send invitation', exact: true }).click();
    await inviteDialog.waitFor({ state: 'hidden' });

    const pending = page.getByRole('region', { name: 'Pending invitations' });
    const invitationRow = pending.getByRole('row', { name: /newcomer@example\.org/ });
    await invitationRow.waitFor();
    expect(await invitationRow.textContent()).toContain('Pending');
    expect(await invitationRow.textContent()).toContain('Paris Chapter: Member');

    // The email job delivers to the development outbox a moment later; the page keeps looking.
    const acceptLink = page.getByRole('region', { name: 'Development outbox' }).getByRole('link', { name: /\/invitations\/accept\?token=/ });
    await expect.poll(() => acceptLink.count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => invitationRow.textContent(), { timeout: 10_000 }).toContain('Sent');
    await keepScreenshot(page, 'users-page');
    const acceptUrl = await acceptLink.getAttribute('href');
    expect(acceptUrl).toMatch(new RegExp(`^${steward.app.url}/invitations/accept\\?token=`));

    // Signed out, the link shows the sign-in page, which brings the newcomer back to the link.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in to Steward' }).waitFor();
    await page.goto(acceptUrl!);
    await page.getByRole('heading', { name: 'Sign in to Steward' }).waitFor();
    expect(await page.locator('input[type="hidden"][name="next"]').inputValue()).toBe(acceptUrl!.slice(steward.app.url.length));
    await signInThroughForm(page, 'newcomer@example.org');

    await page.getByRole('heading', { level: 1, name: 'Join Demo' }).waitFor();
    expect(await page.getByRole('main').textContent()).toContain('newcomer@example.org');
    await page.getByRole('button', { name: 'Accept invitation', exact: true }).click();

    // Landed in the organisation, as a member: no Users or Workspaces areas.
    await page.getByRole('heading', { level: 1, name: 'Demo', exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/orgs/${organisationId}`);
    expect(await page.getByRole('combobox', { name: 'Organisation' }).inputValue()).toBe(organisationId);
    expect(await page.getByRole('main').textContent()).toContain('Your organisation role: Member');
    expect(await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Users', exact: true }).count()).toBe(0);
    await keepScreenshot(page, 'invitation-accepted');
    await page.close();

    // The admin, in a fresh browser context, now sees a member, not a pending invitation.
    const adminContext = await steward.browser.newContext();
    const adminPage = await adminContext.newPage();
    await signInThroughConsole(adminPage, steward.app.url, 'admin@example.com');
    await openSettingsArea(adminPage, 'Users');
    const memberRow = adminPage.getByRole('region', { name: 'Members' }).getByRole('row', { name: /newcomer@example\.org/ });
    await memberRow.waitFor();
    expect(await memberRow.textContent()).toContain('Paris Chapter: Member');
    expect(await memberRow.textContent()).not.toContain('Pending');
    expect(await adminPage.getByRole('region', { name: 'Pending invitations' }).textContent()).toContain('No pending invitations.');
    await adminContext.close();
  });

  it('renames a workspace slug in its settings, and the old address redirects to the new one', async () => {
    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, 'admin@example.com');
    await openSettingsArea(page, 'Workspaces');
    await page.getByRole('button', { name: 'New workspace', exact: true }).click();
    const createDialog = page.getByRole('dialog', { name: 'New workspace' });
    await createDialog.getByLabel('Name', { exact: true }).fill('Lyon');
    await createDialog.getByRole('button', { name: 'Create workspace', exact: true }).click();
    await createDialog.waitFor({ state: 'hidden' });

    await page.getByRole('link', { name: 'Lyon', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Lyon', exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/orgs/${organisationId}/workspaces/lyon`);
    await page.getByLabel('Slug', { exact: true }).fill('lyon-office');
    await page.getByLabel('Date format', { exact: true }).selectOption('MM/DD/YYYY');
    await page.getByRole('button', { name: 'Save settings', exact: true }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/orgs/${organisationId}/workspaces/lyon-office`);
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

    await page.goto(`${steward.app.url}/orgs/${organisationId}/workspaces/lyon`);
    await page.getByRole('heading', { level: 1, name: 'Lyon', exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/orgs/${organisationId}/workspaces/lyon-office`);
    expect(await page.getByLabel('Date format', { exact: true }).inputValue()).toBe('MM/DD/YYYY');
    await page.close();
  });
});
