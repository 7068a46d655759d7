import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserTest,
  type FakeTwilio,
  keepScreenshot,
  type OAuthProvider,
  postTwilioInboundSms,
  seedOrganisation,
  type SeededOrganisation,
  signInThroughConsole,
  startBrowserTest,
  startFakeTwilio,
  startOAuthProvider,
} from '@steward/test-kit';

let steward: BrowserTest;
let org: SeededOrganisation;
let oauth: OAuthProvider;
let twilio: FakeTwilio;

beforeAll(async () => {
  [oauth, twilio] = await Promise.all([startOAuthProvider(), startFakeTwilio()]);
  steward = await startBrowserTest({ env: { ...oauth.env('gmail'), ...twilio.env() } });
  org = await seedOrganisation(steward.app, 'Acme');
});
afterAll(async () => {
  await steward?.close();
  await Promise.all([oauth?.stop(), twilio?.close()]);
});

describe('Channels and Inboxes pages', () => {
  it('an admin adds a Twilio channel and connects Gmail, makes an inbox, and works an SMS conversation to the end', async () => {
    const account = twilio.addAccount('Acme support');
    oauth.setAccount('help@acme.example');
    const page = await steward.browser.newPage();
    await signInThroughConsole(page, steward.app.url, org.admin.email);
    const nav = page.getByRole('navigation', { name: 'Settings' });

    await nav.getByRole('link', { name: 'Channels', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Channels', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Add Twilio', exact: true }).click();
    const twilioDialog = page.getByRole('dialog', { name: 'Add a Twilio channel' });
    await twilioDialog.getByLabel('Account SID').fill(account.accountSid);
    await twilioDialog.getByLabel('Auth Token').fill(account.authToken);
    await twilioDialog.getByLabel('Phone number').fill('+447700900100');
    await twilioDialog.getByRole('button', { name: 'Add channel' }).click();
    const table = page.getByRole('table', { name: 'Channels' });
    const row = (name: RegExp) => table.getByRole('row', { name });
    await row(/Support SMS/).waitFor();
    expect(await row(/Support SMS/).innerText()).not.toContain(account.authToken);
    await row(/Support SMS/).getByRole('button', { name: 'Test', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Twilio accepted the credentials of Acme support.' }).waitFor();

    // Gmail: the consent page (the stand-in) sends the browser back through /oauth/callback.
    await page.getByRole('button', { name: 'Connect Gmail', exact: true }).click();
    await page.getByRole('dialog', { name: 'Connect Gmail' }).getByRole('button', { name: 'Continue to Gmail' }).click();
    await page.getByRole('status').filter({ hasText: 'Connected Gmail.' }).waitFor();
    await expect.poll(() => row(/Gmail support/).innerText()).toContain('connected as help@acme.example');
    await keepScreenshot(page, 'channels');

    await nav.getByRole('link', { name: 'Inboxes', exact: true }).click();
    await page.getByRole('button', { name: 'New inbox', exact: true }).click();
    const inboxDialog = page.getByRole('dialog', { name: 'New inbox' });
    await inboxDialog.getByLabel('Name', { exact: true }).fill('Support');
    await inboxDialog.getByRole('checkbox', { name: /Support SMS/ }).check();
    await inboxDialog.getByRole('checkbox', { name: new RegExp(org.admin.email) }).check();
    await inboxDialog.getByLabel('First response').fill('60');
    await inboxDialog.getByRole('button', { name: 'Create inbox' }).click();
    await page.getByRole('table', { name: 'Inboxes' }).getByRole('row', { name: /Support/ }).waitFor();

    const channel = await steward.app.db.selectFrom('channels').select('id').where('name', '=', 'Support SMS').executeTakeFirstOrThrow();
    const webhook = `${steward.app.url}/webhooks/twilio/${channel.id}/sms`;
    expect((await postTwilioInboundSms(webhook, { accountSid: account.accountSid, from: '+447700900555', to: '+447700900100', body: 'Is my order on its way?' }, account.authToken)).status).toBe(200);

    await page.reload();
    const conversations = page.getByRole('table', { name: 'Conversations' });
    await conversations.getByRole('row', { name: /\+447700900555/ }).waitFor();
    expect(await conversations.getByRole('row', { name: /\+447700900555/ }).innerText()).toMatch(/On track/);
    await conversations.getByRole('button', { name: /\+447700900555/ }).click();
    const panel = page.getByRole('complementary', { name: 'Conversation' });
    await panel.getByText('Is my order on its way?').waitFor();
    await panel.getByLabel('Reply').fill('Yes, it ships today.');
    await panel.getByRole('button', { name: 'Send reply' }).click();
    await panel.getByText('Yes, it ships today.').waitFor();
    await expect.poll(() => twilio.messages.map((m) => [m.to, m.body])).toContainEqual(['+447700900555', 'Yes, it ships today.']);
    await keepScreenshot(page, 'inbox-conversation');
    await panel.getByRole('button', { name: 'Resolve', exact: true }).click();
    await expect.poll(() => conversations.count()).toBe(0);
  });
});
