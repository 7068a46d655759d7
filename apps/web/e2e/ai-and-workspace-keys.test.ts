import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  type BrowserTest,
  type FakeAiProvider,
  keepScreenshot,
  seedOrganisation,
  type SeededOrganisation,
  signInThroughConsole,
  startBrowserTest,
  startFakeAiProvider,
} from '@steward/test-kit';

/** Issue 14, items 4 and 5 in the console: the AI provider, and the keys restricted to a workspace. */

const AI_KEY = 'sk-proj-typed-in-the-console-4242';
const WORKSPACE_ADMIN = 'chapter-admin@acme.example';
const WRITER = 'writer@acme.example';

let steward: BrowserTest;
let org: SeededOrganisation;
let provider: FakeAiProvider;

beforeAll(async () => {
  provider = await startFakeAiProvider({ apiKey: AI_KEY });
  steward = await startBrowserTest();
  org = await seedOrganisation(steward.app, 'Acme');
  await addMember(steward.database.db, org.organisationId, WORKSPACE_ADMIN, 'member', [{ workspaceId: org.chapterWorkspaceId, role: 'admin' }]);
});
afterAll(async () => {
  await steward?.close();
  await provider?.close();
});

describe('the AI provider', () => {
  it('is saved by an organisation admin under Integrations, shown masked, and tested in the provider’s words', async () => {
    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, org.admin.email);
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Integrations', exact: true }).click();
    const card = page.getByRole('region', { name: 'AI provider' });
    await card.getByText('No AI provider is set up.').waitFor();

    await card.getByLabel('Provider').selectOption('openai');
    await card.getByLabel('Model').fill('gpt-4o-mini');
    await card.getByLabel('Base URL (optional)').fill(provider.openaiBaseUrl);
    await card.getByLabel('API key').fill('sk-not-the-right-key-0000');
    await card.getByRole('button', { name: 'Save AI settings' }).click();
    await card.getByText('Saved.').waitFor();
    await card.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => card.getByRole('alert').innerText()).toContain('OpenAI refused the API key (401');

    await card.getByLabel('New API key').fill(AI_KEY);
    await card.getByRole('button', { name: 'Save AI settings' }).click();
    await card.getByText('••••4242').waitFor();
    await card.getByRole('button', { name: 'Test connection' }).click();
    await card.getByText('OpenAI answered: the key works and the model "gpt-4o-mini" is available.').waitFor();
    expect(await page.content()).not.toContain(AI_KEY);
    await keepScreenshot(page, 'ai-provider');
  });
});

describe("a workspace's admin who is a plain member of the organisation", () => {
  it('sees the keys restricted to their workspace, revokes one of someone else’s, and makes one of their own that reaches this workspace only', async () => {
    await addMember(steward.database.db, org.organisationId, WRITER, 'member', [{ workspaceId: org.chapterWorkspaceId, role: 'member' }]);
    const writer = await steward.app.signIn(WRITER);
    const zapier = await writer.trpc<{ id: string; key: string }>('apiKeys.create', { organisationId: org.organisationId, name: 'Zapier', scope: 'read', workspaceId: org.chapterWorkspaceId }, 'mutation');
    expect(zapier.error, zapier.text).toBeNull();
    await writer.trpc('apiKeys.create', { organisationId: org.organisationId, name: 'Not bound', scope: 'read' }, 'mutation');

    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, WORKSPACE_ADMIN);
    await page.getByRole('navigation', { name: 'Your workspaces' }).getByRole('link', { name: /Acme Chapter/ }).click();
    const section = page.getByRole('region', { name: 'API keys' });
    const table = section.getByRole('table');
    await table.getByRole('row', { name: /Zapier/ }).waitFor();
    expect(await table.getByRole('row').count()).toBe(2);
    expect(await table.getByRole('row', { name: /Zapier/ }).innerText()).toContain(WRITER);

    await table.getByRole('row', { name: /Zapier/ }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog', { name: 'Revoke Zapier' }).getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => table.getByRole('row', { name: /Zapier/ }).innerText()).toContain('Revoked');
    const zapierCall = await fetch(`${steward.app.url}/api/v1/workspaces/${org.chapterWorkspaceId}/contacts`, { headers: { authorization: `Bearer ${zapier.data.key}` } });
    expect(zapierCall.status).toBe(401);

    await section.getByRole('button', { name: 'New key for Acme Chapter' }).click();
    const dialog = page.getByRole('dialog', { name: 'New API key' });
    await dialog.getByLabel('Name').fill('Claude Desktop');
    await dialog.getByLabel('Scope').selectOption('read');
    expect(await dialog.getByLabel('Workspace').locator('option').allInnerTexts()).toEqual(['Only Acme Chapter']);
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const created = page.getByRole('dialog', { name: 'API key created' });
    const key = await created.getByLabel('New API key').innerText();
    expect(key).toMatch(/^pai_/);
    await created.getByRole('button', { name: 'Done' }).click();
    await table.getByRole('row', { name: /Claude Desktop/ }).waitFor();
    await keepScreenshot(page, 'workspace-api-keys');

    const here = await fetch(`${steward.app.url}/api/v1/workspaces/${org.chapterWorkspaceId}/contacts`, { headers: { authorization: `Bearer ${key}` } });
    expect(here.status).toBe(200);
    const organisationWide = await fetch(`${steward.app.url}/api/v1/organisations/${org.organisationId}/workspaces`, { headers: { authorization: `Bearer ${key}` } });
    expect(organisationWide.status).toBe(403);
  });
});
