import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, type BrowserTest, keepScreenshot, openSettingsArea, seedOrganisation, type SeededOrganisation, signInThroughConsole, startBrowserTest } from '@steward/test-kit';

let steward: BrowserTest;
let org: SeededOrganisation;
let ownerId: string;

const OWNER = 'deal-owner@acme.example';

/** Waits until the delivery jobs have put every notification in place. */
async function delivered(count: number) {
  await expect
    .poll(async () => (await steward.database.db.selectFrom('notifications').select('id').where('state', '=', 'delivered').execute()).length, { timeout: 15_000 })
    .toBe(count);
}

beforeAll(async () => {
  steward = await startBrowserTest();
  org = await seedOrganisation(steward.app, 'Acme');
  ownerId = (await addMember(steward.database.db, org.organisationId, OWNER, 'member', [{ workspaceId: org.chapterWorkspaceId, role: 'member' }])).id;
});
afterAll(() => steward?.close());

describe('the notification centre', () => {
  it('shows the unread count in the header, lists what happened, and marks all read', async () => {
    // The organisation admin moves two of the owner's deals to another stage.
    const stages = (await org.admin.agent.trpc<{ stages: { id: string; name: string }[] }>('pipeline.list', { workspaceId: org.chapterWorkspaceId }, 'query')).data.stages;
    for (const name of ['Harbour office', 'Lighthouse renewal']) {
      const deal = await org.admin.agent.trpc<{ id: string }>('deals.create', { workspaceId: org.chapterWorkspaceId, name, ownerUserId: ownerId }, 'mutation');
      expect(deal.error).toBeNull();
      expect((await org.admin.agent.trpc('deals.update', { workspaceId: org.chapterWorkspaceId, dealId: deal.data.id, stageId: stages[2]!.id }, 'mutation')).error).toBeNull();
    }
    await delivered(2);

    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, OWNER);
    const bell = page.getByRole('button', { name: 'Notifications, 2 unread', exact: true });
    await bell.waitFor();
    expect(await page.getByTestId('unread-count').innerText()).toBe('2');

    await bell.click();
    const panel = page.getByRole('region', { name: 'Latest notifications' });
    await panel.getByText('Lighthouse renewal moved to Proposal', { exact: true }).waitFor();
    await panel.getByText('Harbour office moved to Proposal', { exact: true }).waitFor();
    await keepScreenshot(page, 'notifications-panel');
    await panel.getByRole('button', { name: 'Mark all read', exact: true }).click();
    await page.getByRole('button', { name: 'Notifications', exact: true }).waitFor();
    expect(await page.getByTestId('unread-count').count()).toBe(0);
    const unread = await steward.database.db.selectFrom('notifications').select('id').where('user_id', '=', ownerId).where('read_at', 'is', null).execute();
    expect(unread).toEqual([]);

    // The full list, and the preferences of the workspace.
    await openSettingsArea(page, 'Notifications');
    await page.getByRole('list', { name: 'Notifications' }).getByText('Harbour office moved to Proposal').waitFor();
    await page.getByRole('link', { name: 'Preferences', exact: true }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Notification preferences' }).waitFor();
    const table = page.getByRole('table', { name: 'Notification preferences' });
    await table.getByLabel('Deal stage changed', { exact: true }).selectOption('both');
    await page.getByRole('status').filter({ hasText: 'Saved: Deal stage changed.' }).waitFor();
    await keepScreenshot(page, 'notification-preferences');
    const saved = await steward.database.db.selectFrom('notification_preferences').select(['workspace_id', 'event', 'channel']).where('user_id', '=', ownerId).execute();
    expect(saved).toEqual([{ workspace_id: org.chapterWorkspaceId, event: 'deal.stage_changed', channel: 'both' }]);
    await page.close();
  });
});
