import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, type BrowserTest, keepScreenshot, seedOrganisation, type SeededOrganisation, signInThroughConsole, startBrowserTest, startWebhookReceiver, type WebhookReceiver } from '@steward/test-kit';
import { verifySignatureHeader } from '../../api/src/areas/webhooks/signing.js';

let steward: BrowserTest;
let org: SeededOrganisation;
let receiver: WebhookReceiver;

const EMAIL = 'hooks-admin@acme.example';

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  steward = await startBrowserTest();
  org = await seedOrganisation(steward.app, 'Acme');
  // A workspace admin who is a plain member of the organisation, and an editor of the same workspace.
  await addMember(steward.database.db, org.organisationId, EMAIL, 'member', [{ workspaceId: org.chapterWorkspaceId, role: 'admin' }]);
  await addMember(steward.database.db, org.organisationId, 'editor@acme.example', 'member', [{ workspaceId: org.chapterWorkspaceId, role: 'member' }]);
});
afterAll(async () => {
  await steward?.close();
  await receiver?.close();
});

describe('the Webhooks page', () => {
  it('creates a webhook, shows its secret once, sends a signed test event and shows it in the delivery log', async () => {
    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, EMAIL);
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks', exact: true }).waitFor();
    await page.getByText('No webhooks yet.').waitFor();

    await page.getByRole('button', { name: 'New webhook', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'New webhook' });
    await dialog.getByLabel('URL', { exact: true }).fill(receiver.url);
    await dialog.getByLabel('Description (optional)', { exact: true }).fill('Activepieces flow');
    await dialog.getByRole('checkbox', { name: /Contact created/ }).check();
    await dialog.getByRole('checkbox', { name: /Deal stage changed/ }).check();
    await dialog.getByRole('button', { name: 'Create webhook', exact: true }).click();

    const secretDialog = page.getByRole('dialog', { name: 'Signing secret' });
    const secret = await secretDialog.getByLabel('Signing secret', { exact: true }).innerText();
    expect(secret).toMatch(/^whsec_/);
    await keepScreenshot(page, 'webhooks-secret-once');
    await secretDialog.getByRole('button', { name: 'Done', exact: true }).click();

    const table = page.getByRole('table', { name: 'Webhooks' });
    const row = table.getByRole('row', { name: new RegExp(receiver.url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')) });
    await expect.poll(() => row.innerText()).toMatch(/Contact created, Deal stage changed\s+On/);
    expect(await page.content()).not.toContain(secret);

    await row.getByRole('button', { name: 'Send test event', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'The receiver accepted the test event: HTTP 200' }).waitFor();
    expect(receiver.received).toHaveLength(1);
    expect(verifySignatureHeader(secret, receiver.received[0]!.headers['steward-signature'] as string, receiver.received[0]!.body)).toBe(true);

    await row.getByRole('button', { name: 'Deliveries', exact: true }).click();
    const log = page.getByRole('table', { name: 'Deliveries' });
    await expect.poll(() => log.getByRole('row').nth(1).innerText()).toMatch(/Test event\s+Delivered\s+1\s+HTTP 200/);
    await log.getByRole('button', { name: 'Attempts', exact: true }).click();
    await expect.poll(() => page.getByRole('list', { name: 'Attempts' }).innerText()).toMatch(/HTTP 200 in \d+ ms/);
    await keepScreenshot(page, 'webhooks-delivery-log');
  });

  it('says why a webhook was turned off after repeated failures', async () => {
    await steward.database.db
      .updateTable('webhook_subscriptions')
      .set({ enabled: false, disabled_at: new Date(), disabled_reason: 'Turned off automatically: 5 deliveries in a row failed every attempt. Last error: The receiver answered HTTP 502.' })
      .where('workspace_id', '=', org.chapterWorkspaceId)
      .execute();
    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, EMAIL);
    await page.goto(`${steward.app.url}/orgs/${org.organisationId}/webhooks/chapter`);
    const banner = page.getByRole('alert').filter({ hasText: 'was turned off on' });
    await banner.waitFor();
    expect(await banner.innerText()).toContain('5 deliveries in a row failed every attempt. Last error: The receiver answered HTTP 502.');
    await page.getByRole('button', { name: 'Turn on', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Turned on' }).waitFor();
    await expect.poll(() => banner.count()).toBe(0);
  });

  it('is for the workspace’s admins only', async () => {
    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, 'editor@acme.example');
    await page.goto(`${steward.app.url}/orgs/${org.organisationId}/webhooks/chapter`);
    await page.getByText('Only admins of Acme Chapter manage its webhooks.').waitFor();
  });
});
