import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '@steward/db';
import { addMember, type BrowserTest, keepScreenshot, seedOrganisation, type SeededOrganisation, signInThroughConsole, startBrowserTest } from '@steward/test-kit';

let steward: BrowserTest;
let org: SeededOrganisation;

const EMAIL = 'pipeline-admin@acme.example';

beforeAll(async () => {
  steward = await startBrowserTest();
  org = await seedOrganisation(steward.app, 'Acme');
  const db = steward.database.db;
  // A workspace admin who is a plain member of the organisation; an editor of the chapter; a global viewer.
  await addMember(db, org.organisationId, EMAIL, 'member', [{ workspaceId: org.chapterWorkspaceId, role: 'admin' }]);
  await addMember(db, org.organisationId, 'editor@acme.example', 'member', [{ workspaceId: org.chapterWorkspaceId, role: 'member' }]);
  await addMember(db, org.organisationId, 'watcher@acme.example', 'member', [{ workspaceId: org.globalWorkspaceId, role: 'viewer' }]);
  // Three deals in Proposal.
  await sql`
    insert into deals (organisation_id, workspace_id, name, stage_id)
    select ${org.organisationId}::uuid, ${org.chapterWorkspaceId}::uuid, 'Deal ' || n, s.id
      from generate_series(1, 3) n, pipeline_stages s where s.workspace_id = ${org.chapterWorkspaceId}::uuid and s.name = 'Proposal'`.execute(db);
});
afterAll(() => steward?.close());

const stageOrder = async () =>
  (await steward.database.db.selectFrom('pipeline_stages').select('name').where('workspace_id', '=', org.chapterWorkspaceId).orderBy('position').execute()).map((s) => s.name);

describe('a workspace admin', () => {
  it('reorders the pipeline by dragging, and deletes a stage, moving its deals to another', async () => {
    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, EMAIL);
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Pipeline', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Pipeline', exact: true }).waitFor();
    const table = page.getByRole('table', { name: 'Pipeline stages' });
    const names = () => table.getByRole('rowheader').allInnerTexts();
    await expect.poll(names).toEqual(['Lead', 'Qualified', 'Proposal', 'Negotiation', 'Won', 'Lost']);
    expect(await table.getByRole('row', { name: /Proposal/ }).innerText()).toMatch(/Proposal\s+50%\s+Open\s+3 deals/);

    // Drag Negotiation above Proposal with the keyboard (dnd-kit's keyboard sensor), waiting for each announcement.
    const announced = (text: string) => page.getByText(text, { exact: true }).waitFor({ state: 'attached' });
    await table.getByRole('button', { name: 'Drag to reorder Negotiation', exact: true }).focus();
    await page.keyboard.press('Space');
    await announced('Picked up Negotiation.');
    // The sensor measures the rows just after the pick-up; an arrow pressed before that moves nothing, so press until it
    // moves, giving each press time to be announced (a second press would carry it past Proposal).
    const overProposal = page.getByText('Negotiation is over the place of Proposal.', { exact: true });
    await expect
      .poll(async () => {
        await page.keyboard.press('ArrowUp');
        return overProposal
          .waitFor({ state: 'attached', timeout: 500 })
          .then(() => 1)
          .catch(() => 0);
      })
      .toBe(1);
    await page.keyboard.press('Space');
    await announced('Negotiation was dropped at the place of Proposal.');
    await expect.poll(names).toEqual(['Lead', 'Qualified', 'Negotiation', 'Proposal', 'Won', 'Lost']);
    await expect.poll(stageOrder).toEqual(['Lead', 'Qualified', 'Negotiation', 'Proposal', 'Won', 'Lost']);

    // Delete Proposal: the dialog says how many deals it holds and asks where they go.
    await table.getByRole('button', { name: 'Delete Proposal', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Proposal?' });
    await dialog.getByText('3 deals are in Proposal.', { exact: false }).waitFor();
    await dialog.getByLabel('Move the deals to', { exact: true }).selectOption({ label: 'Qualified (Open, 25%)' });
    await keepScreenshot(page, 'pipeline-delete-stage');
    await dialog.getByRole('button', { name: 'Move deals and delete', exact: true }).click();
    await page.getByRole('status').filter({ hasText: "Deleted 'Proposal'; its 3 deals moved to 'Qualified'." }).waitFor();
    await expect.poll(names).toEqual(['Lead', 'Qualified', 'Negotiation', 'Won', 'Lost']);
    expect(await table.getByRole('row', { name: /Qualified/ }).innerText()).toMatch(/3 deals/);
    const stagesOfDeals = await sql<{ name: string; n: number }>`
      select s.name, count(*) as n from deals d join pipeline_stages s on s.id = d.stage_id where d.workspace_id = ${org.chapterWorkspaceId}::uuid group by s.name`.execute(steward.database.db);
    expect(stagesOfDeals.rows).toEqual([{ name: 'Qualified', n: 3 }]);

    // The deals list shows each deal's stage, and the forecast per stage.
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Deals', exact: true }).click();
    const forecast = page.getByRole('table', { name: 'Forecast by stage' });
    await expect.poll(() => forecast.getByRole('rowheader').allTextContents()).toEqual(['Lead', 'Qualified', 'Negotiation', 'Won', 'Lost', 'Total']);
    expect(await forecast.getByRole('row', { name: /Qualified/ }).innerText()).toMatch(/Qualified\s+25%\s+3\s/i);
    expect(await page.getByRole('table', { name: 'Deals' }).getByRole('row', { name: /Deal 1/ }).innerText()).toMatch(/Qualified/);
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Pipeline', exact: true }).click();

    // The last won stage cannot go.
    await table.getByRole('button', { name: 'Delete Won', exact: true }).click();
    const wonDialog = page.getByRole('dialog', { name: 'Delete Won?' });
    await wonDialog.getByRole('button', { name: 'Delete stage', exact: true }).click();
    await wonDialog.getByRole('alert').filter({ hasText: 'A pipeline keeps at least one won stage' }).waitFor();
    await wonDialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.close();
  });

  it('sees the team: members with their role here, and those whose global role reaches in', async () => {
    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, EMAIL);
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Team', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Team', exact: true }).waitFor();
    const members = page.getByRole('table', { name: 'Members of this workspace' });
    await members.getByRole('row', { name: /editor@acme\.example/ }).waitFor();
    expect(await members.getByLabel('Role of editor@acme.example in this workspace', { exact: true }).inputValue()).toBe('member');
    expect(await members.getByRole('row', { name: /pipeline-admin@acme\.example/ }).innerText()).toMatch(/Admin/);
    const reaching = page.getByRole('table', { name: 'Through their global role' });
    expect(await reaching.getByRole('row', { name: /watcher@acme\.example/ }).innerText()).toMatch(/Global role \(Viewer\)\s+Viewer/);
    expect(await reaching.getByRole('row', { name: /admin@acme\.example/ }).innerText()).toMatch(/Organisation administrator \(Administrator\)\s+Admin/);
    await keepScreenshot(page, 'team');
    await page.close();
  });

  it("invites someone, makes an editor a viewer, removes another, and cannot reach another workspace's team", async () => {
    const db = steward.database.db;
    const lyon = (await db.insertInto('workspaces').values({ organisation_id: org.organisationId, kind: 'chapter', name: 'Lyon', slug: 'lyon' }).returning('id').executeTakeFirstOrThrow()).id;
    await db.insertInto('workspace_memberships').values({ workspace_id: lyon, user_id: (await db.selectFrom('users').select('id').where('email', '=', EMAIL).executeTakeFirstOrThrow()).id, organisation_id: org.organisationId, role: 'viewer' }).execute();
    const leaving = await addMember(db, org.organisationId, 'leaving@acme.example', 'member', [{ workspaceId: org.chapterWorkspaceId, role: 'member' }, { workspaceId: lyon, role: 'member' }]);

    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, EMAIL);
    await page.goto(`${steward.app.url}/orgs/${org.organisationId}/team/chapter`);
    const members = page.getByRole('table', { name: 'Members of this workspace' });
    await members.getByRole('row', { name: /editor@acme\.example/ }).waitFor();

    await page.getByRole('button', { name: 'Add or invite', exact: true }).click();
    const invite = page.getByRole('dialog', { name: 'Add someone to Acme Chapter' });
    await invite.getByLabel('Email', { exact: true }).fill('newcomer@example.org');
    await invite.getByLabel('Role in this workspace', { exact: true }).selectOption('viewer');
    await invite.getByRole('button', { name: 'Add or invite', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Invited newcomer@example.org as Viewer.' }).waitFor();
    await page.getByRole('table', { name: 'Pending invitations' }).getByRole('row', { name: /newcomer@example\.org/ }).waitFor();
    const invitation = await db.selectFrom('invitations').select(['org_role', 'workspace_roles']).where('email', '=', 'newcomer@example.org').executeTakeFirstOrThrow();
    expect(invitation).toEqual({ org_role: 'member', workspace_roles: [{ workspaceId: org.chapterWorkspaceId, role: 'viewer' }] });
    // A second invitation, revoked from the team page.
    await page.getByRole('button', { name: 'Add or invite', exact: true }).click();
    await invite.getByLabel('Email', { exact: true }).fill('mistake@example.org');
    await invite.getByRole('button', { name: 'Add or invite', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Invited mistake@example.org as Editor.' }).waitFor();
    await page.getByRole('button', { name: 'Revoke the invitation of mistake@example.org', exact: true }).click();
    await page.getByRole('dialog', { name: 'Revoke the invitation of mistake@example.org?' }).getByRole('button', { name: 'Revoke invitation', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Revoked the invitation of mistake@example.org.' }).waitFor();
    await expect.poll(() => page.getByRole('table', { name: 'Pending invitations' }).getByRole('row', { name: /mistake@example\.org/ }).count()).toBe(0);

    await members.getByLabel('Role of editor@acme.example in this workspace', { exact: true }).selectOption('viewer');
    await page.getByRole('status').filter({ hasText: 'Changed the role to Viewer.' }).waitFor();
    const editor = await db.selectFrom('users').select('id').where('email', '=', 'editor@acme.example').executeTakeFirstOrThrow();
    expect((await db.selectFrom('workspace_memberships').select('role').where('user_id', '=', editor.id).where('workspace_id', '=', org.chapterWorkspaceId).executeTakeFirstOrThrow()).role).toBe('viewer');

    await members.getByRole('button', { name: 'Remove leaving@acme.example from this workspace', exact: true }).click();
    await page.getByRole('dialog', { name: /^Remove leaving/ }).getByRole('button', { name: 'Remove from workspace', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Removed leaving@acme.example from Acme Chapter' }).waitFor();
    await expect.poll(() => members.getByRole('row', { name: /leaving@acme\.example/ }).count()).toBe(0);
    const left = await db.selectFrom('workspace_memberships').select('workspace_id').where('user_id', '=', leaving.id).execute();
    expect(left).toEqual([{ workspace_id: lyon }]);
    expect(await db.selectFrom('memberships').select('org_role').where('user_id', '=', leaving.id).executeTakeFirst()).toEqual({ org_role: 'member' });

    // Lyon, where they only view: the page says so, and the server refuses the team.
    await page.getByLabel('Workspace', { exact: true }).selectOption('lyon');
    await page.getByText('Only admins of Lyon manage its team.', { exact: true }).waitFor();
    expect(await page.getByRole('table', { name: 'Members of this workspace' }).count()).toBe(0);
    const refused = await page.evaluate(async (workspaceId) => {
      const response = await fetch(`/trpc/team.list?input=${encodeURIComponent(JSON.stringify({ workspaceId }))}`);
      return response.status;
    }, lyon);
    expect(refused).toBe(403);
    await page.close();
  });
});
