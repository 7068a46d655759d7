import type { Locator, Page } from 'playwright-core';
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
 * Issue 11's first "done when": fields defined through the console by an organisation admin (a
 * core select) and a workspace admin (a workspace number), filled in by a member through the
 * record form, filtered on through the filter bar, read by a viewer who gets no edit controls,
 * and the server refusing directly what the form would not let through.
 */

let steward: BrowserTest;
let org: SeededOrganisation;
let workspaceAdmin: SeededUser;
let member: SeededUser;
let viewer: SeededUser;

beforeAll(async () => {
  steward = await startBrowserTest();
  // "Acme" with its global workspace and "Acme Chapter" (slug `chapter`); admin@acme.example is the organisation admin.
  org = await seedOrganisation(steward.app, 'Acme');
  const chapter = (role: 'admin' | 'member' | 'viewer') => [{ workspaceId: org.chapterWorkspaceId, role }];
  workspaceAdmin = await addSignedInMember(steward.app, org.organisationId, 'chapter-admin@acme.example', 'member', chapter('admin'));
  member = await addSignedInMember(steward.app, org.organisationId, 'member@acme.example', 'member', chapter('member'));
  viewer = await addSignedInMember(steward.app, org.organisationId, 'viewer@acme.example', 'member', chapter('viewer'));
});
afterAll(() => steward?.close());

async function signedInPage(email: string): Promise<Page> {
  const page = await steward.browser.newPage({ viewport: { width: 1400, height: 900 } });
  await signInThroughConsole(page, steward.app.url, email);
  return page;
}

/** Opens an area of the sidebar and chooses the chapter in its workspace picker. */
async function openInChapter(page: Page, area: string) {
  await openSettingsArea(page, area);
  await page.getByLabel('Workspace', { exact: true }).selectOption('chapter');
  await page.waitForURL((url) => url.pathname.includes('/chapter'));
}

const section = (page: Page, name: string) => page.getByRole('region', { name });
const contactsTable = (page: Page) => page.getByRole('table', { name: 'Contacts' });
/** The data rows of the contacts table, each as the texts of its cells. */
async function contactRows(page: Page): Promise<string[][]> {
  const rows = contactsTable(page).getByRole('row').filter({ has: page.getByRole('cell') });
  const out: string[][] = [];
  for (const row of await rows.all()) out.push((await row.getByRole('cell').allInnerTexts()).map((t) => t.trim()));
  return out;
}
const names = async (page: Page) => (await contactRows(page)).map((cells) => cells[0]).sort();
const total = (page: Page) => page.locator('.records-total').innerText();

async function selectOptions(select: Locator): Promise<string[]> {
  return select.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
}

interface Field {
  id: string;
  key: string;
  label: string;
  scope: string;
  options: { id: string; label: string; archived: boolean }[];
}
async function contactFields(): Promise<Field[]> {
  const listed = await member.agent.trpc<Field[]>('fields.list', { workspaceId: org.chapterWorkspaceId, entity: 'contact' });
  expect(listed.status).toBe(200);
  return listed.data;
}

describe('records and custom fields in the console', () => {
  it('an org admin adds a core select, a workspace admin a workspace number; a member fills both; the list filters by both; a viewer only reads', async () => {
    // 1. The organisation admin adds a core select field "Tier" and archives one of its options.
    const adminPage = await signedInPage(org.admin.email);
    await openInChapter(adminPage, 'Fields');
    await adminPage.getByRole('button', { name: 'New field', exact: true }).click();
    const create = adminPage.getByRole('dialog', { name: 'New contact field' });
    // An organisation admin in a chapter may create workspace and core fields (global-internal ones from the global workspace).
    expect(await selectOptions(create.getByLabel('Scope', { exact: true }))).toEqual(['workspace', 'core']);
    await create.getByLabel('Label', { exact: true }).fill('Tier');
    await create.getByLabel('Type', { exact: true }).selectOption('select');
    await create.getByLabel('Scope', { exact: true }).selectOption('core');
    await create.getByLabel('Options', { exact: true }).fill('Gold\nSilver\nBronze');
    await create.getByRole('button', { name: 'Create field', exact: true }).click();
    await create.waitFor({ state: 'hidden' });
    const coreSection = section(adminPage, 'Core fields — every workspace of the organisation; organisation admins manage it');
    const tierRow = coreSection.getByRole('row', { name: /Tier/ });
    await tierRow.waitFor();
    expect(await tierRow.innerText()).toMatch(/^Tier\s+tier\s+Select\s+3 options[\s\S]*\sCore\s+Optional/);

    await adminPage.getByRole('button', { name: 'Options of Tier', exact: true }).click();
    const optionsDialog = adminPage.getByRole('dialog', { name: 'Options of Tier' });
    await optionsDialog.getByRole('button', { name: 'Archive Bronze', exact: true }).click();
    await optionsDialog.getByRole('button', { name: 'Save options', exact: true }).click();
    await optionsDialog.waitFor({ state: 'hidden' });
    await expect.poll(() => tierRow.innerText()).toContain('2 options, 1 archived');
    await keepScreenshot(adminPage, 'records-fields-org-admin');

    // 2. The chapter's admin adds a workspace number field "Score"; only the workspace scope is offered,
    //    and the core field is theirs to read, not to change.
    const workspaceAdminPage = await signedInPage(workspaceAdmin.email);
    await openSettingsArea(workspaceAdminPage, 'Fields');
    await workspaceAdminPage.getByRole('heading', { name: /Core fields/ }).waitFor();
    expect(await workspaceAdminPage.getByRole('button', { name: 'Edit Tier', exact: true }).count()).toBe(0);
    await workspaceAdminPage.getByRole('button', { name: 'New field', exact: true }).click();
    const wsCreate = workspaceAdminPage.getByRole('dialog', { name: 'New contact field' });
    expect(await selectOptions(wsCreate.getByLabel('Scope', { exact: true }))).toEqual(['workspace']);
    await wsCreate.getByLabel('Label', { exact: true }).fill('Score');
    await wsCreate.getByLabel('Type', { exact: true }).selectOption('number');
    await wsCreate.getByRole('button', { name: 'Create field', exact: true }).click();
    await wsCreate.waitFor({ state: 'hidden' });
    const ownSection = section(workspaceAdminPage, 'This workspace’s fields — this workspace only; its admins manage it');
    await ownSection.getByRole('row', { name: /Score/ }).waitFor();
    expect(await ownSection.getByRole('row', { name: /Score/ }).innerText()).toMatch(/^Score\s+score\s+Number[\s\S]*\sWorkspace\s+Optional/);

    // A second field of theirs, then drag it above Score with the keyboard (dnd-kit's keyboard sensor).
    await workspaceAdminPage.getByRole('button', { name: 'New field', exact: true }).click();
    await wsCreate.getByLabel('Label', { exact: true }).fill('Region');
    await wsCreate.getByRole('button', { name: 'Create field', exact: true }).click();
    await wsCreate.waitFor({ state: 'hidden' });
    const ownLabels = () => ownSection.getByRole('rowheader').allInnerTexts();
    await expect.poll(ownLabels).toEqual(['Score', 'Region']);
    const handle = ownSection.getByRole('button', { name: 'Drag to reorder Region', exact: true });
    // Each step waits for what a screen reader would hear, so no key is pressed before the drag is ready for it.
    const announced = (text: string) => workspaceAdminPage.getByText(text, { exact: true }).waitFor({ state: 'attached' });
    await handle.focus();
    await workspaceAdminPage.keyboard.press('Space');
    await announced('Picked up Region.');
    // The sensor measures the rows just after the pick-up; an arrow pressed before that moves nothing, so press until it moves.
    const overScore = workspaceAdminPage.getByText('Region is over the place of Score.', { exact: true });
    await expect
      .poll(async () => {
        await workspaceAdminPage.keyboard.press('ArrowUp');
        return overScore.count();
      })
      .toBe(1);
    await workspaceAdminPage.keyboard.press('Space');
    await announced('Region was dropped at the place of Score.');
    await expect.poll(ownLabels).toEqual(['Region', 'Score']);
    await expect.poll(async () => (await contactFields()).filter((f) => f.scope === 'workspace').map((f) => f.label)).toEqual(['Region', 'Score']);
    await keepScreenshot(workspaceAdminPage, 'records-fields-workspace-admin');

    const fields = await contactFields();
    const tier = fields.find((f) => f.key === 'tier')!;
    const option = (label: string) => tier.options.find((o) => o.label === label)!.id;
    expect(fields.find((f) => f.key === 'score')).toMatchObject({ label: 'Score', scope: 'workspace' });

    // Two more people of the chapter, written by the member through the API, for the filters to tell apart.
    for (const [firstName, tierOption, score] of [
      ['Grace', 'Gold', 5],
      ['Alan', 'Silver', 50],
    ] as const) {
      const created = await member.agent.trpc('contacts.create', { workspaceId: org.chapterWorkspaceId, firstName, lastName: 'Seeded', values: { tier: option(tierOption), score } }, 'mutation');
      expect(created.error).toBeNull();
    }

    // 3. The member fills both fields on a new contact through the form; the archived option is not offered.
    const memberPage = await signedInPage(member.email);
    await openSettingsArea(memberPage, 'Contacts');
    await contactsTable(memberPage).waitFor();
    await memberPage.getByRole('button', { name: 'New contact', exact: true }).click();
    const form = memberPage.getByRole('dialog', { name: 'New contact' });
    await form.getByLabel('First name', { exact: true }).fill('Ada');
    await form.getByLabel('Last name', { exact: true }).fill('Lovelace');
    await form.getByLabel('Email', { exact: true }).fill('ada@example.org');
    const tierSelect = form.getByLabel('Tier', { exact: true });
    expect(await tierSelect.locator('option').allInnerTexts()).toEqual(['—', 'Gold', 'Silver']);
    await tierSelect.selectOption({ label: 'Gold' });
    await form.getByLabel('Score', { exact: true }).fill('42');
    await form.getByRole('button', { name: 'Add contact', exact: true }).click();
    await form.waitFor({ state: 'hidden' });
    await expect.poll(() => names(memberPage)).toEqual(['Ada Lovelace', 'Alan Seeded', 'Grace Seeded']);
    const header = await contactsTable(memberPage).getByRole('columnheader').allTextContents();
    expect(header.slice(0, 8)).toEqual(['Name', 'Email', 'Phone', 'Country', 'Assignee', 'Tier', 'Region', 'Score']);
    const ada = (await contactRows(memberPage)).find((cells) => cells[0] === 'Ada Lovelace')!;
    expect(ada.slice(0, 8)).toEqual(['Ada Lovelace', 'ada@example.org', '—', '—', '—', 'Gold', '—', '42']);
    expect(await total(memberPage)).toBe('3 contacts');

    // 4. The list filters by both fields, through the filter bar (ANDed on the server).
    const filterBar = section(memberPage, 'Filter contacts');
    await filterBar.getByLabel('Filter on', { exact: true }).selectOption({ label: 'Tier' });
    await filterBar.getByLabel('Operator', { exact: true }).selectOption('eq');
    await filterBar.getByLabel('Value', { exact: true }).selectOption({ label: 'Gold' });
    await filterBar.getByRole('button', { name: 'Add filter', exact: true }).click();
    await expect.poll(() => names(memberPage)).toEqual(['Ada Lovelace', 'Grace Seeded']);
    expect(await total(memberPage)).toBe('2 contacts match');
    await filterBar.getByLabel('Filter on', { exact: true }).selectOption({ label: 'Score' });
    await filterBar.getByLabel('Operator', { exact: true }).selectOption('gt');
    await filterBar.getByLabel('Value', { exact: true }).fill('10');
    await filterBar.getByRole('button', { name: 'Add filter', exact: true }).click();
    await expect.poll(() => names(memberPage)).toEqual(['Ada Lovelace']);
    expect(await total(memberPage)).toBe('1 contact matches');
    expect(await filterBar.getByRole('list', { name: 'Active filters' }).getByRole('listitem').allInnerTexts()).toEqual([
      expect.stringContaining('Tier is Gold'),
      expect.stringContaining('Score is greater than 10'),
    ]);
    await keepScreenshot(memberPage, 'records-contacts-filtered');
    // Removing the Tier filter leaves Score > 10: Ada and Alan.
    await filterBar.getByRole('button', { name: 'Remove filter: Tier is Gold', exact: true }).click();
    await expect.poll(() => names(memberPage)).toEqual(['Ada Lovelace', 'Alan Seeded']);

    // 5. A person the organisation already knows (from the global workspace) is linked, not created twice.
    const known = await org.admin.agent.trpc('contacts.create', { workspaceId: org.globalWorkspaceId, firstName: 'Known', lastName: 'Person', email: 'known@example.org' }, 'mutation');
    expect(known.error).toBeNull();
    await filterBar.getByRole('button', { name: 'Clear filters', exact: true }).click();
    await memberPage.getByRole('button', { name: 'New contact', exact: true }).click();
    await form.getByLabel('First name', { exact: true }).fill('Someone');
    await form.getByLabel('Email', { exact: true }).fill('known@example.org');
    await form.getByLabel('Tier', { exact: true }).selectOption({ label: 'Silver' });
    await form.getByRole('button', { name: 'Add contact', exact: true }).click();
    const knownNotice = form.getByRole('region', { name: 'Already known' });
    await knownNotice.waitFor();
    expect(await knownNotice.innerText()).toContain('This person is already known in your organisation');
    await knownNotice.getByRole('button', { name: 'Link them', exact: true }).click();
    await form.waitFor({ state: 'hidden' });
    await expect.poll(() => names(memberPage)).toEqual(['Ada Lovelace', 'Alan Seeded', 'Grace Seeded', 'Known Person']);
    expect((await contactRows(memberPage)).find((cells) => cells[0] === 'Known Person')![5]).toBe('Silver');

    // 6. A viewer sees the values and no edit controls, on the records and on the fields.
    const viewerPage = await signedInPage(viewer.email);
    await openSettingsArea(viewerPage, 'Contacts');
    await expect.poll(() => names(viewerPage)).toEqual(['Ada Lovelace', 'Alan Seeded', 'Grace Seeded', 'Known Person']);
    const adaSeenByViewer = (await contactRows(viewerPage)).find((cells) => cells[0] === 'Ada Lovelace')!;
    expect(adaSeenByViewer).toEqual(['Ada Lovelace', 'ada@example.org', '—', '—', '—', 'Gold', '—', '42']);
    const main = viewerPage.getByRole('main');
    expect(await main.getByRole('button', { name: /^(New contact|Edit|Remove|Delete|Import CSV)/ }).count()).toBe(0);
    expect(await contactsTable(viewerPage).getByRole('button').count()).toBe(0);
    expect(await contactsTable(viewerPage).getByRole('columnheader', { name: 'Actions' }).count()).toBe(0);
    await keepScreenshot(viewerPage, 'records-contacts-viewer');
    await openSettingsArea(viewerPage, 'Fields');
    await viewerPage.getByRole('row', { name: /Tier/ }).waitFor();
    expect(await main.getByRole('button').count()).toBe(0);

    // 7. The server refuses what the form would refuse: an archived option, text in a number field.
    const adaId = await steward.database.db.selectFrom('contacts').select('id').where('email', '=', 'ada@example.org').executeTakeFirstOrThrow();
    const archived = await member.agent.trpc('contacts.update', { workspaceId: org.chapterWorkspaceId, contactId: adaId.id, values: { tier: option('Bronze') } }, 'mutation');
    expect(archived.status).toBe(400);
    expect(archived.error?.message).toBe("Field 'Tier' (tier) option 'Bronze' is archived and cannot be chosen.");
    const text = await member.agent.trpc('contacts.create', { workspaceId: org.chapterWorkspaceId, firstName: 'Bad', values: { score: 'forty-two' } }, 'mutation');
    expect(text.status).toBe(400);
    expect(text.error?.message).toBe('Field \'Score\' (score) expects a number, got "forty-two".');
    // And the same through REST with the member's API key, as an outside caller would send it.
    const apiKey = await member.agent.trpc<{ key: string }>('apiKeys.create', { organisationId: org.organisationId, name: 'Records test', scope: 'read_write' }, 'mutation');
    expect(apiKey.error).toBeNull();
    const rest = await fetch(`${steward.app.url}/api/v1/workspaces/${org.chapterWorkspaceId}/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey.data.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ firstName: 'Bad', values: { score: '42' } }),
    });
    expect(rest.status).toBe(400);
    expect(((await rest.json()) as { message: string }).message).toContain("Field 'Score' (score) expects a number");

    // 8. Before changing a field, the console says what it touches: how many lack a now-required value,
    //    how many values a type change converts, how many a deletion removes.
    await openSettingsArea(workspaceAdminPage, 'Fields');
    await workspaceAdminPage.getByRole('button', { name: 'Edit Region', exact: true }).click();
    const editRegion = workspaceAdminPage.getByRole('dialog', { name: 'Edit Region' });
    await editRegion.getByLabel(/^Required/).check();
    await editRegion.getByRole('button', { name: 'Save field', exact: true }).click();
    await workspaceAdminPage.getByRole('status').filter({ hasText: "4 contacts have no value for 'Region' yet; each must get one at its next save." }).waitFor();
    await expect.poll(() => ownSection.getByRole('row', { name: /Region/ }).innerText()).toMatch(/Required\s+4 contacts lack a value/);

    await workspaceAdminPage.getByRole('button', { name: 'Change the type of Score', exact: true }).click();
    const changeType = workspaceAdminPage.getByRole('dialog', { name: 'Change the type of Score' });
    await changeType.getByRole('status').filter({ hasText: '3 contacts hold a value. Every value converts.' }).waitFor();
    expect(await changeType.getByRole('button', { name: 'Change to text', exact: true }).isEnabled()).toBe(true);
    await changeType.getByRole('button', { name: 'Cancel', exact: true }).click();

    await workspaceAdminPage.getByRole('button', { name: 'Delete Score', exact: true }).click();
    const deleteScore = workspaceAdminPage.getByRole('dialog', { name: 'Delete Score' });
    await deleteScore.getByText('3 contacts hold values of this field; they are removed in the background.').waitFor();
    await deleteScore.getByRole('button', { name: 'Cancel', exact: true }).click();
    await deleteScore.waitFor({ state: 'hidden' });
    expect((await contactFields()).map((f) => f.key)).toEqual(expect.arrayContaining(['tier', 'region', 'score']));

    await Promise.all([adminPage.close(), workspaceAdminPage.close(), memberPage.close(), viewerPage.close()]);
  });

  it('a member adds a company and a deal of that company; both show in their lists', async () => {
    const page = await signedInPage(member.email);
    await openSettingsArea(page, 'Companies');
    await page.getByRole('button', { name: 'New company', exact: true }).click();
    const companyForm = page.getByRole('dialog', { name: 'New company' });
    await companyForm.getByLabel('Name', { exact: true }).fill('Analytical Engines Ltd');
    await companyForm.getByLabel('Domain', { exact: true }).fill('engines.example');
    await companyForm.getByRole('button', { name: 'Add company', exact: true }).click();
    await companyForm.waitFor({ state: 'hidden' });
    const companies = page.getByRole('table', { name: 'Companies' });
    await companies.getByRole('row', { name: /Analytical Engines Ltd/ }).waitFor();
    const companyCells = await companies.getByRole('row', { name: /Analytical Engines Ltd/ }).getByRole('cell').allInnerTexts();
    expect(companyCells.slice(0, 2)).toEqual(['Analytical Engines Ltd', 'engines.example']);

    await openSettingsArea(page, 'Deals');
    await page.getByRole('button', { name: 'New deal', exact: true }).click();
    const dealForm = page.getByRole('dialog', { name: 'New deal' });
    await dealForm.getByLabel('Name', { exact: true }).fill('Difference engine');
    await dealForm.getByLabel('Amount', { exact: true }).fill('17000');
    await dealForm.getByLabel('Currency', { exact: true }).fill('GBP');
    await dealForm.getByLabel('Company', { exact: true }).selectOption({ label: 'Analytical Engines Ltd' });
    await dealForm.getByRole('button', { name: 'Add deal', exact: true }).click();
    await dealForm.waitFor({ state: 'hidden' });
    const dealRow = page.getByRole('table', { name: 'Deals' }).getByRole('row', { name: /Difference engine/ });
    await dealRow.waitFor();
    const cells = await dealRow.getByRole('cell').allInnerTexts();
    expect(cells.slice(0, 4)).toEqual(['Difference engine', expect.stringMatching(/17,000/), 'Analytical Engines Ltd', 'You']);
    await keepScreenshot(page, 'records-deals');
    await page.close();
  });
});
