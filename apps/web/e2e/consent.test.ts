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
 * Issue 12, categories and consent in the console: an admin creates and orders the chapter's
 * email categories; a member changes the consent of a contact of theirs on the record, and the
 * history shows it; a viewer sees the same consent and history with no controls.
 */

let steward: BrowserTest;
let org: SeededOrganisation;
let member: SeededUser;
let viewer: SeededUser;
let contactId: string;

beforeAll(async () => {
  steward = await startBrowserTest();
  org = await seedOrganisation(steward.app, 'Acme');
  member = await addSignedInMember(steward.app, org.organisationId, 'member@acme.example', 'member', [{ workspaceId: org.chapterWorkspaceId, role: 'member' }]);
  viewer = await addSignedInMember(steward.app, org.organisationId, 'viewer@acme.example', 'member', [{ workspaceId: org.chapterWorkspaceId, role: 'viewer' }]);
  const created = await member.agent.trpc<{ id: string }>('contacts.create', { workspaceId: org.chapterWorkspaceId, firstName: 'Sam', lastName: 'Rivers', email: 'sam@example.org' }, 'mutation');
  expect(created.error, created.text).toBeNull();
  contactId = created.data.id;
});
afterAll(() => steward?.close());

async function signedInPage(email: string): Promise<Page> {
  const page = await steward.browser.newPage({ viewport: { width: 1400, height: 900 } });
  await signInThroughConsole(page, steward.app.url, email);
  return page;
}

const openInChapter = (page: Page, area: string) => openSettingsArea(page, area, 'chapter');

const categoryNames = (page: Page) => page.getByRole('table', { name: 'Email categories' }).getByRole('rowheader').allInnerTexts();

describe('email categories and consent in the console', () => {
  it('an admin creates categories, a member changes a contact’s consent and sees it in the history, a viewer only reads', async () => {
    // 1. The organisation admin adds two categories and moves the second above the first.
    const adminPage = await signedInPage(org.admin.email);
    await openInChapter(adminPage, 'Email categories');
    for (const [name, startSubscribed] of [['Newsletter', false], ['Action alerts', true]] as const) {
      await adminPage.getByRole('button', { name: 'New category', exact: true }).click();
      const dialog = adminPage.getByRole('dialog', { name: 'New email category' });
      await dialog.getByLabel('Name', { exact: true }).fill(name);
      if (startSubscribed) await dialog.getByLabel('Contacts start subscribed').check();
      await dialog.getByRole('button', { name: 'Add category', exact: true }).click();
      await dialog.waitFor({ state: 'hidden' });
    }
    await expect.poll(() => categoryNames(adminPage)).toEqual(['Newsletter', 'Action alerts']);
    await adminPage.getByRole('button', { name: 'Move Action alerts up', exact: true }).click();
    await expect.poll(() => categoryNames(adminPage)).toEqual(['Action alerts', 'Newsletter']);
    // Nobody chose Newsletter yet: it can still be deleted; archive and restore it instead.
    await adminPage.getByRole('button', { name: 'Archive Newsletter', exact: true }).click();
    await adminPage.getByRole('status').filter({ hasText: "Archived 'Newsletter'." }).waitFor();
    await adminPage.getByRole('button', { name: 'Restore Newsletter', exact: true }).click();
    await adminPage.getByRole('status').filter({ hasText: "Restored 'Newsletter'." }).waitFor();
    expect(await adminPage.getByRole('button', { name: 'Delete Newsletter', exact: true }).count()).toBe(1);
    await keepScreenshot(adminPage, 'consent-categories-admin');

    // 2. The member opens their contact's consent and unsubscribes them from the newsletter.
    const memberPage = await signedInPage(member.email);
    await openInChapter(memberPage, 'Contacts');
    await memberPage.getByRole('link', { name: 'Sam Rivers', exact: true }).click();
    const dialog = memberPage.getByRole('dialog', { name: 'Sam Rivers' });
    const categories = dialog.getByRole('table', { name: 'Email categories of this contact' });
    const newsletter = categories.getByRole('row', { name: /Newsletter/ });
    const alerts = categories.getByRole('row', { name: /Action alerts/ });
    await newsletter.waitFor();
    expect(await alerts.innerText()).toContain('Yes: subscribed by default');
    expect(await newsletter.innerText()).toContain('No: not subscribed (the default)');
    expect(await dialog.getByText('No change of consent yet.').count()).toBe(1);

    await dialog.getByLabel('Choice for Newsletter', { exact: true }).selectOption('subscribed');
    await expect.poll(() => newsletter.innerText()).toContain('Yes: subscribed');
    await dialog.getByLabel('Choice for Newsletter', { exact: true }).selectOption('unsubscribed');
    await expect.poll(() => newsletter.innerText()).toContain('No: unsubscribed from this category');
    // The workspace switch outranks the categories.
    await dialog.getByLabel('Emails from Acme Chapter', { exact: true }).selectOption('unsubscribed');
    await expect.poll(() => alerts.innerText()).toContain('No: unsubscribed from this workspace');

    const history = dialog.getByRole('list', { name: 'Consent history' }).getByRole('listitem');
    await expect.poll(() => history.count()).toBe(3);
    const entries = await history.allInnerTexts();
    expect(entries[0]).toMatch(/^This workspace: no choice → unsubscribed .*console, by member/i);
    expect(entries[1]).toMatch(/^Newsletter: subscribed → unsubscribed .*console, by member/i);
    expect(entries[2]).toMatch(/^Newsletter: no choice → subscribed/);
    await keepScreenshot(memberPage, 'consent-member-record');

    // 3. The viewer reads the same consent and history, with nothing to change it.
    const viewerPage = await signedInPage(viewer.email);
    await openInChapter(viewerPage, 'Contacts');
    await viewerPage.getByRole('link', { name: 'Sam Rivers', exact: true }).click();
    const viewerDialog = viewerPage.getByRole('dialog', { name: 'Sam Rivers' });
    await viewerDialog.getByRole('list', { name: 'Consent history' }).waitFor();
    expect(await viewerDialog.getByRole('list', { name: 'Consent history' }).getByRole('listitem').count()).toBe(3);
    expect(await viewerDialog.getByText('Emails from Acme Chapter: Unsubscribed: nothing from this workspace').count()).toBe(1);
    expect(await viewerDialog.getByRole('combobox').count()).toBe(0);
    expect(await viewerDialog.getByRole('checkbox').count()).toBe(0);
    expect(await viewerPage.getByRole('button', { name: 'Change consent…' }).count()).toBe(0);
    await keepScreenshot(viewerPage, 'consent-viewer-record');

    // 4. The admin lists who does not receive the newsletter and switches all of them back on for the workspace.
    await openInChapter(adminPage, 'Contacts');
    await adminPage.getByLabel('Filter on', { exact: true }).selectOption({ label: 'Emails from this workspace' });
    await adminPage.getByLabel('Value', { exact: true }).selectOption('unsubscribed');
    await adminPage.getByRole('button', { name: 'Add filter', exact: true }).click();
    await expect.poll(() => adminPage.locator('.records-total').innerText()).toBe('1 contact matches');
    await adminPage.getByRole('button', { name: 'Change consent…', exact: true }).click();
    const bulk = adminPage.getByRole('dialog', { name: 'Change consent of the listed contacts' });
    await bulk.getByLabel('Change', { exact: true }).selectOption('workspace');
    await bulk.getByLabel('Set to', { exact: true }).selectOption('neutral');
    await bulk.getByRole('button', { name: 'Apply to all', exact: true }).click();
    await adminPage.getByRole('status').filter({ hasText: 'Consent changed for 1 of the 1 matching contacts.' }).waitFor();
    await adminPage.getByRole('link', { name: 'Sam Rivers', exact: true }).waitFor({ state: 'detached' });
    const latest = await member.agent.trpc<{ entries: { level: string; previous: string; status: string; source: string; actorEmail: string }[] }>('consent.history', {
      workspaceId: org.chapterWorkspaceId,
      contactId,
    });
    expect(latest.data.entries[0]).toMatchObject({ level: 'workspace', previous: 'unsubscribed', status: 'neutral', source: 'console', actorEmail: org.admin.email });
    await keepScreenshot(adminPage, 'consent-bulk-admin');
  });
});
