import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserTest, keepScreenshot, type OAuthProvider, seedOrganisation, type SeededOrganisation, signInThroughConsole, startBrowserTest, startOAuthProvider } from '@steward/test-kit';

let steward: BrowserTest;
let org: SeededOrganisation;
let oauth: OAuthProvider;

beforeAll(async () => {
  oauth = await startOAuthProvider();
  steward = await startBrowserTest({ env: oauth.env('hubspot', 'google_calendar') });
  org = await seedOrganisation(steward.app, 'Acme');
});
afterAll(async () => {
  await steward?.close();
  await oauth?.stop();
});

describe('the Connected apps page', () => {
  it('connects HubSpot through its consent page, shows the account and granted scopes, and disconnects it', async () => {
    oauth.setAccount('crm@acme.example');
    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, org.admin.email);
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Connected apps', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Connected apps', exact: true }).waitFor();
    const table = page.getByRole('table', { name: 'Connected apps' });
    const row = (name: string) => table.getByRole('row', { name: new RegExp(name) });
    await expect.poll(() => row('Outlook Calendar').innerText()).toContain('Not set up on this server');

    // The consent page (the stand-in) sends the browser straight back through /oauth/callback to this page.
    await row('HubSpot').getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Connected HubSpot.' }).waitFor();
    await expect.poll(() => row('HubSpot').innerText()).toMatch(/Connected as crm@acme\.example/);
    await keepScreenshot(page, 'connected-apps-hubspot');

    await row('HubSpot').getByRole('button', { name: 'Check connection', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'HubSpot still accepts Steward.' }).waitFor();

    await row('HubSpot').getByRole('button', { name: 'Disconnect', exact: true }).click();
    await page.getByRole('dialog', { name: 'Disconnect HubSpot?' }).getByRole('button', { name: 'Disconnect', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'revoked' }).waitFor();
    await expect.poll(() => row('HubSpot').innerText()).toContain('Not connected');
    expect(oauth.revocations.map((r) => r.hint)).toEqual(['refresh_token', 'access_token']);
  });
});
