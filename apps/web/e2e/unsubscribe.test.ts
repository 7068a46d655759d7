import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserTest,
  type FakeMailerSend,
  keepScreenshot,
  mailerSendWebhookEvent,
  openSettingsArea,
  postMailerSendWebhook,
  seedOrganisation,
  type SeededOrganisation,
  signInThroughConsole,
  signMailerSendWebhook,
  startBrowserTest,
  startFakeMailerSend,
} from '@steward/test-kit';

/**
 * Issue 12, "Done when": a contact's received email's one-click POST (no cookie) returns 200, and
 * the contact is outside the next campaign's audience; a tampered token changes nothing. The
 * campaign goes out through the app's own worker to the local MailerSend stand-in, and the
 * addresses are taken from the emails the stand-in received. Then the page of choices, opened
 * from the visible link of another person's email in a browser that never signed in.
 */

let mailer: FakeMailerSend;
let steward: BrowserTest;
let org: SeededOrganisation;
let categoryId: string;
const PEOPLE = [
  ['Ada', 'ada@example.org'],
  ['Grace', 'grace@example.org'],
  ['Alan', 'alan@example.org'],
] as const;

beforeAll(async () => {
  mailer = await startFakeMailerSend();
  steward = await startBrowserTest({ env: { ...mailer.env(), MAILERSEND_BULK_REQUESTS_PER_MINUTE: '0' } });
  org = await seedOrganisation(steward.app, 'Acme');
  const category = await org.admin.agent.trpc<{ id: string }>('emailCategories.create', { workspaceId: org.chapterWorkspaceId, name: 'Newsletter', subscribedByDefault: true }, 'mutation');
  expect(category.error, category.text).toBeNull();
  categoryId = category.data.id;
  for (const [firstName, email] of PEOPLE) {
    const created = await org.admin.agent.trpc('contacts.create', { workspaceId: org.chapterWorkspaceId, firstName, email }, 'mutation');
    expect(created.error, created.text).toBeNull();
  }
});
afterAll(async () => {
  await steward?.close();
  await mailer?.close();
});

type Message = { to?: { email: string }[]; html?: string; headers?: { name: string; value: string }[] };
const messageTo = (email: string) => mailer.received.map((r) => r.body as Message).find((m) => m.to?.[0]?.email === email)!;
const audience = async () => {
  const result = await org.admin.agent.trpc<{ count: number }>('campaigns.audience', { workspaceId: org.chapterWorkspaceId, categoryId }, 'query');
  expect(result.error, result.text).toBeNull();
  return result.data.count;
};

describe('unsubscribing from a received campaign email', () => {
  it('the one-click POST (no cookie) answers 200 and takes the contact out of the next audience; a tampered token changes nothing; the page of choices works without signing in', async () => {
    // The campaign, sent by the app's worker to the MailerSend stand-in.
    const campaign = await org.admin.agent.trpc<{ id: string }>(
      'campaigns.create',
      { workspaceId: org.chapterWorkspaceId, name: 'November news', subject: 'Hello {{firstName}}', htmlBody: '<p>Dear {{firstName}}</p>', textBody: 'Dear {{firstName}}', categoryId },
      'mutation',
    );
    expect(campaign.error, campaign.text).toBeNull();
    const sent = await org.admin.agent.trpc('campaigns.send', { workspaceId: org.chapterWorkspaceId, campaignId: campaign.data.id }, 'mutation');
    expect(sent.error, sent.text).toBeNull();
    await mailer.waitFor(3, 30_000);

    // Ada's email: its List-Unsubscribe address, the one a mail client POSTs to.
    const ada = messageTo('ada@example.org');
    expect(ada.headers).toContainEqual({ name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' });
    const oneClickUrl = /^<(https?:\/\/[^>]+)>$/.exec(ada.headers!.find((h) => h.name === 'List-Unsubscribe')!.value)![1]!;
    expect(oneClickUrl.startsWith(`${steward.app.config.publicUrl.origin}/unsubscribe/`)).toBe(true);

    // A browser context that never signed in: no cookie goes with the POST.
    const outsider = await steward.browser.newContext({ viewport: { width: 900, height: 900 } });
    const post = (url: string) => outsider.request.post(url, { form: { 'List-Unsubscribe': 'One-Click' }, maxRedirects: 0, failOnStatusCode: false });
    expect((await outsider.cookies()).length).toBe(0);

    // Tampered: one character of the token changed. Nothing changes.
    const at = oneClickUrl.lastIndexOf('/') + 1;
    const [keyId, ids, mac] = oneClickUrl.slice(at).split('.') as [string, string, string];
    const tampered = `${oneClickUrl.slice(0, at)}${keyId}.${ids.slice(0, 20)}${ids[20] === 'Q' ? 'R' : 'Q'}${ids.slice(21)}.${mac}`;
    const refused = await post(tampered);
    expect(refused.status()).toBe(404);
    expect(await audience()).toBe(3);

    // The genuine one: 200 at once, no redirect.
    const response = await post(oneClickUrl);
    expect(response.status()).toBe(200);
    expect(response.headers().location).toBeUndefined();
    expect(await response.text()).toBe('You are unsubscribed from Newsletter (Acme Chapter).');

    // The next campaign's audience, as the admin sees it in the console, leaves Ada out.
    const page = await steward.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await signInThroughConsole(page, steward.app.url, org.admin.email);
    await openSettingsArea(page, 'Campaigns', 'chapter');
    await page.getByRole('button', { name: 'New campaign', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'New campaign' });
    await dialog.getByRole('status').filter({ hasText: '2 contacts would receive it now.' }).waitFor();
    expect(await audience()).toBe(2);

    // Grace opens the visible link of her email, in a browser that never signed in, and leaves everything.
    const grace = messageTo('grace@example.org');
    const visibleLink = /<a href="([^"]+)"[^>]*>Unsubscribe or choose which emails you receive<\/a>/.exec(grace.html!)![1]!.replace(/&amp;/g, '&');
    const gracePage = await outsider.newPage();
    await gracePage.goto(visibleLink);
    await gracePage.getByRole('heading', { level: 1, name: 'Your email choices' }).waitFor();
    // Opening it changed nothing.
    expect(await audience()).toBe(2);
    const chapter = gracePage.getByRole('group', { name: 'Acme Chapter' });
    expect(await chapter.getByRole('checkbox', { name: 'Newsletter' }).isChecked()).toBe(true);
    await keepScreenshot(gracePage, 'unsubscribe-page');
    await gracePage.getByRole('radio', { name: 'Nothing from anyone at Acme' }).check();
    await gracePage.getByRole('button', { name: 'Save my choices' }).click();
    await gracePage.getByRole('status').filter({ hasText: 'Your choices are saved.' }).waitFor();
    expect(await gracePage.getByRole('radio', { name: 'Nothing from anyone at Acme' }).isChecked()).toBe(true);
    expect(await audience()).toBe(1);
    await outsider.close();
  });

  it("an admin saves the organisation's own MailerSend webhook signing secret; a spam complaint it signs unsubscribes the person", async () => {
    const secret = 'acme-mailersend-webhook-signing-secret';
    const page = await steward.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await signInThroughConsole(page, steward.app.url, org.admin.email);
    await openSettingsArea(page, 'Integrations');
    const card = page.getByRole('region', { name: 'MailerSend' });
    await card.getByText(`${steward.app.config.publicUrl.origin}/webhooks/mailersend`).waitFor();
    expect(await card.getByRole('button', { name: 'Remove webhook signing secret' }).count()).toBe(0);
    await card.getByLabel('New webhook signing secret', { exact: true }).fill(secret);
    await card.getByRole('button', { name: 'Save', exact: true }).click();
    await card.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await card.getByRole('button', { name: 'Remove webhook signing secret' }).waitFor();
    expect(await card.getByLabel('New webhook signing secret', { exact: true }).inputValue()).toBe('');
    expect(await page.content()).not.toContain(secret);

    expect(await audience()).toBe(1);
    const body = mailerSendWebhookEvent('activity.spam_complaint', 'alan@example.org');
    const response = await postMailerSendWebhook(`${steward.app.url}/webhooks/mailersend`, body, signMailerSendWebhook(body, secret));
    expect(response.status).toBe(200);
    expect(await audience()).toBe(0);
  });
});
