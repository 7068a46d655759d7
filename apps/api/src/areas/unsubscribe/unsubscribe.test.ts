import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { insertContacts, mailerSendWebhookEvent, postMailerSendWebhook, seedOrganisation, signMailerSendWebhook, useStewardApp } from '@steward/test-kit';
import { sql } from '@steward/db';
import { createLogger } from '../../logger.js';
import { type CampaignSendDeps, runCampaignSend } from '../campaigns/sending.js';

/**
 * Issue 12, item 5 (and item 4's email): each campaign email carries the workspace's logo, a visible
 * unsubscribe link and RFC 8058's headers; the one-click POST unsubscribes at once without a cookie;
 * the page shows choices without changing anything; MailerSend's signed webhooks opt people out.
 * The emails are the ones the local MailerSend stand-in received.
 */
const WEBHOOK_SECRET = 'whsec-test-0123456789abcdef';
const steward = useStewardApp({
  workers: false,
  fakeMailerSend: true,
  organisation: 'Acme',
  env: { MAILERSEND_BULK_REQUESTS_PER_MINUTE: '0', MAILERSEND_WEBHOOK_SECRETS: `old-secret-retired-soon,${WEBHOOK_SECRET}` },
});

type Result<T> = { error: { message: string; data: { code: string } } | null; text: string; data: T };
const ok = <T>(result: Result<T>) => {
  expect(result.error, result.text).toBeNull();
  return result.data;
};
const call = <T>(path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') => steward.org.admin.agent.trpc<T>(path, input, kind) as Promise<Result<T>>;
const deps = (): CampaignSendDeps => ({ db: steward.app.db, config: steward.app.config, keyring: steward.app.keyring, jobs: steward.app.jobs, logger: createLogger('silent') });
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

interface Sent {
  to: string;
  html: string;
  text: string;
  headers: { name: string; value: string }[];
  tags: string[];
}

/** A workspace with `count` people, two categories they receive by default, and a campaign of the first. */
async function workspaceWithPeople(count: number, name = 'Chapter') {
  const workspaceId = ok(await call<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name, slug: `w-${randomBytes(4).toString('hex')}` })).id;
  const news = ok(await call<{ id: string }>('emailCategories.create', { workspaceId, name: 'News', subscribedByDefault: true })).id;
  const events = ok(await call<{ id: string }>('emailCategories.create', { workspaceId, name: 'Events', description: 'Meetings near you', subscribedByDefault: true })).id;
  await insertContacts(steward.app.db, steward.org.organisationId, workspaceId, count);
  const people = await steward.app.db
    .selectFrom('contact_workspaces as cw')
    .innerJoin('contacts as c', 'c.id', 'cw.contact_id')
    .select(['c.id', 'c.email'])
    .where('cw.workspace_id', '=', workspaceId)
    .orderBy('c.email')
    .execute();
  return { workspaceId, news, events, people: people.map((p) => ({ id: p.id, email: p.email! })) };
}

/** Sends a campaign of the category through the stand-in; answers what each person received. */
async function sendCampaign(workspaceId: string, categoryId: string, content: { htmlBody?: string; textBody?: string } = {}) {
  const campaign = ok(
    await call<{ id: string }>('campaigns.create', {
      workspaceId,
      name: 'News',
      subject: 'Hello {{firstName}}',
      htmlBody: '<p>Dear {{fullName}}</p>',
      textBody: 'Dear {{fullName}}',
      categoryId,
      ...content,
    }),
  );
  const already = steward.mailer.received.length;
  ok(await call('campaigns.send', { workspaceId, campaignId: campaign.id }));
  expect(await runCampaignSend(deps(), campaign.id)).toBe('sent');
  const received = steward.mailer.received.slice(already).map((e) => {
    const body = e.body as typeof e.body & { headers?: Sent['headers']; tags?: string[] };
    return { to: body.to![0]!.email, html: body.html ?? '', text: body.text ?? '', headers: body.headers ?? [], tags: body.tags ?? [] } satisfies Sent;
  });
  return { campaignId: campaign.id, received, to: (email: string) => received.find((r) => r.to === email)! };
}

const header = (email: Sent, name: string) => email.headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
const unsubscribeUrlOf = (email: Sent) => /^<(.+)>$/.exec(header(email, 'List-Unsubscribe') ?? '')![1]!;
const audience = async (workspaceId: string, categoryId: string) => ok(await call<{ count: number }>('campaigns.audience', { workspaceId, categoryId }, 'query')).count;
const oneClick = (url: string, body = 'List-Unsubscribe=One-Click', contentType = 'application/x-www-form-urlencoded') =>
  fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body, redirect: 'manual' });
const historyOf = (contactId: string) =>
  steward.app.db.selectFrom('consent_history').select(['level', 'workspace_id', 'category_id', 'previous', 'status', 'source', 'actor_user_id', 'actor_api_key_id']).where('contact_id', '=', contactId).orderBy('id').execute();
const consentRows = async () => Number((await sql<{ n: string }>`select (select count(*) from consent_history) + (select count(*) from contact_categories) as n`.execute(steward.app.db)).rows[0]!.n);
/** The same address with one character changed in the middle of the token's ids. */
function tamper(url: string) {
  const at = url.lastIndexOf('/unsubscribe/') + '/unsubscribe/'.length;
  const [keyId, ids, mac] = url.slice(at).split('.') as [string, string, string];
  return `${url.slice(0, at)}${keyId}.${ids.slice(0, 10)}${ids[10] === 'A' ? 'B' : 'A'}${ids.slice(11)}.${mac}`;
}
const link = (contactId: string, workspaceId: string) =>
  sql`insert into contact_workspaces (workspace_id, contact_id, organisation_id) values (${workspaceId}::uuid, ${contactId}::uuid, ${steward.org.organisationId}::uuid)`.execute(steward.app.db);

beforeEach(() => steward.mailer.reset());

describe('the email itself', () => {
  it('carries the workspace logo first, a visible unsubscribe link in HTML and text, and the List-Unsubscribe headers of RFC 8058', async () => {
    const { workspaceId, news, people } = await workspaceWithPeople(2);
    await steward.app.db.updateTable('workspaces').set({ logo: PNG, logo_content_type: 'image/png', logo_updated_at: new Date() }).where('id', '=', workspaceId).execute();
    const { campaignId, to } = await sendCampaign(workspaceId, news);
    const email = to(people[0]!.email);
    const url = unsubscribeUrlOf(email);
    const publicUrl = steward.app.config.publicUrl.origin;
    expect(url.startsWith(`${publicUrl}/unsubscribe/`)).toBe(true);
    expect(header(email, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    // Each person's link is their own.
    expect(unsubscribeUrlOf(to(people[1]!.email))).not.toBe(url);
    // The logo heads the HTML, at an absolute address that works without signing in.
    const logo = /^<div[^>]*><img src="([^"]+)"/.exec(email.html)?.[1]?.replace(/&amp;/g, '&');
    expect(logo?.startsWith(`${publicUrl}/email-logos/${workspaceId}?`)).toBe(true);
    const image = await fetch(logo!);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).equals(PNG)).toBe(true);
    expect((await fetch(logo!.replace(/s=[^&]+/, 's=k.AAAAAAAAAAAAAAAAAAAAAA'))).status).toBe(404);
    // The campaign's own body, then the visible link, in both parts.
    expect(email.html).toContain('<p>Dear Contact No. ');
    expect(email.html).toMatch(new RegExp(`<a href="${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^>]*>Unsubscribe or choose which emails you receive</a>`));
    expect(email.text).toMatch(/^Dear Contact No\. \d+\n\n--\nYou receive this email from Chapter \(News\)\.\nUnsubscribe or choose which emails you receive: (\S+)\n$/);
    expect(email.text).toContain(url);
    // The tag that lets MailerSend's webhooks name the campaign.
    expect(email.tags).toEqual([`campaign-${campaignId}`]);
  });

  it('puts the logo and the link inside the body of an HTML document, and leaves out the logo when the workspace has none, or only an SVG one (mail clients do not show SVG)', async () => {
    const { workspaceId, news, people } = await workspaceWithPeople(1);
    const { to } = await sendCampaign(workspaceId, news, { htmlBody: '<html><head><title>x</title></head><body class="b"><p>Hi</p></body></html>' });
    const email = to(people[0]!.email);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');
    await steward.app.db.updateTable('workspaces').set({ logo: svg, logo_content_type: 'image/svg+xml', logo_updated_at: new Date() }).where('id', '=', workspaceId).execute();
    expect(to(people[0]!.email).html).not.toContain('<img');
    expect((await sendCampaign(workspaceId, news)).to(people[0]!.email).html).not.toContain('<img');
    expect(email.html).toMatch(/^<html><head><title>x<\/title><\/head><body class="b"><p>Hi<\/p><p style="[^"]*">You receive this email from Chapter \(News\)\. <a href="http[^"]+\/unsubscribe\/[^"]+"[^>]*>Unsubscribe or choose which emails you receive<\/a>\.<\/p><\/body><\/html>$/);
    expect(email.html).not.toContain('<img');
  });
});

describe('one-click unsubscribe (RFC 8058)', () => {
  it('a POST of List-Unsubscribe=One-Click without cookie or CSRF token unsubscribes from that category at once, answers 200 without a redirect, and the next campaign leaves the person out', async () => {
    const { workspaceId, news, events, people } = await workspaceWithPeople(3);
    const { to } = await sendCampaign(workspaceId, news);
    const [ada] = people;
    expect(await audience(workspaceId, news)).toBe(3);

    const response = await oneClick(unsubscribeUrlOf(to(ada!.email)));
    expect(response.status).toBe(200);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await response.text()).toBe('You are unsubscribed from News (Chapter).');

    expect(await audience(workspaceId, news)).toBe(2);
    expect(await audience(workspaceId, events)).toBe(3); // that category only
    expect(await historyOf(ada!.id)).toEqual([
      { level: 'category', workspace_id: workspaceId, category_id: news, previous: null, status: 'unsubscribed', source: 'unsubscribe_link', actor_user_id: null, actor_api_key_id: null },
    ]);
    const audit = await steward.app.db.selectFrom('audit_log').select(['action', 'actor_user_id', 'actor_email']).where('target_id', '=', ada!.id).execute();
    expect(audit).toEqual([{ action: 'consent.oneClickUnsubscribe', actor_user_id: null, actor_email: '(unsubscribe link)' }]);

    // The next campaign of the category does not reach them.
    const next = await sendCampaign(workspaceId, news);
    expect(next.received.map((r) => r.to).sort()).toEqual([people[1]!.email, people[2]!.email].sort());

    // Again (mail clients retry): 200, and nothing more is written.
    expect((await oneClick(unsubscribeUrlOf(to(ada!.email)))).status).toBe(200);
    expect(await historyOf(ada!.id)).toHaveLength(1);
  });

  it('accepts the body as multipart/form-data too', async () => {
    const { workspaceId, news, people } = await workspaceWithPeople(1);
    const { to } = await sendCampaign(workspaceId, news);
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    const response = await fetch(unsubscribeUrlOf(to(people[0]!.email)), { method: 'POST', body: form, redirect: 'manual' });
    expect(response.status).toBe(200);
    expect(await audience(workspaceId, news)).toBe(0);
  });

  it('a forged or altered token changes nothing, and neither does a POST without the one-click body', async () => {
    const { workspaceId, news, people } = await workspaceWithPeople(2);
    const { to } = await sendCampaign(workspaceId, news);
    const url = unsubscribeUrlOf(to(people[0]!.email));
    const before = await consentRows();

    const tampered = await oneClick(tamper(url));
    expect(tampered.status).toBe(404);
    expect(await tampered.text()).toMatch(/not valid; nothing was changed/);
    // The other person's ids under this person's signature.
    const other = unsubscribeUrlOf(to(people[1]!.email));
    const spliced = `${other.slice(0, other.lastIndexOf('.'))}${url.slice(url.lastIndexOf('.'))}`;
    expect((await oneClick(spliced)).status).toBe(404);
    expect((await oneClick(url.replace(/\/unsubscribe\/[^.]+/, '/unsubscribe/k9'))).status).toBe(404);
    // Page-view style requests, and POSTs without the RFC 8058 body, are not unsubscribes.
    expect((await oneClick(url, '')).status).toBe(400);
    expect((await oneClick(url, 'List-Unsubscribe=Yes')).status).toBe(400);

    expect(await consentRows()).toBe(before);
    expect(await audience(workspaceId, news)).toBe(2);
  });
});

describe('the unsubscribe page', () => {
  it('shows, without signing in, the categories of every workspace that has emailed the person — and reading it changes nothing', async () => {
    const chapter = await workspaceWithPeople(1, 'Paris chapter');
    const person = chapter.people[0]!;
    // The same person in a second workspace that emailed them, and a third that never did.
    const [second, silent] = [await workspaceWithPeople(0, 'Berlin chapter'), await workspaceWithPeople(0, 'Quiet chapter')];
    for (const w of [second, silent]) await link(person.id, w.workspaceId);
    await sendCampaign(second.workspaceId, second.news);
    const { to } = await sendCampaign(chapter.workspaceId, chapter.news);
    const url = unsubscribeUrlOf(to(person.email));
    const before = await consentRows();

    for (const method of ['GET', 'HEAD', 'GET']) {
      const response = await fetch(url, { method, redirect: 'manual' });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
    const page = await (await fetch(url)).text();
    expect(await consentRows()).toBe(before);
    expect(await audience(chapter.workspaceId, chapter.news)).toBe(1);

    expect(page).toContain('<h1>Your email choices</h1>');
    expect(page).toContain('Unsubscribe from News</button>');
    expect(page.indexOf('<legend>Paris chapter</legend>')).toBeGreaterThan(-1);
    expect(page.indexOf('<legend>Berlin chapter</legend>')).toBeGreaterThan(page.indexOf('<legend>Paris chapter</legend>'));
    expect(page).not.toContain('Quiet chapter');
    expect(page).toContain('Meetings near you');
    expect(page).toContain('Nothing from anyone at Acme');
    expect(page).not.toMatch(/<script/i);
    expect((await fetch(tamper(url))).status).toBe(404);
  });

  it('saves the person\'s choices per category and per workspace, and "nothing from anyone", each recorded as by unsubscribe link', async () => {
    const chapter = await workspaceWithPeople(1, 'Lyon chapter');
    const person = chapter.people[0]!;
    const second = await workspaceWithPeople(0, 'Rome chapter');
    await link(person.id, second.workspaceId);
    await sendCampaign(second.workspaceId, second.news);
    const { to } = await sendCampaign(chapter.workspaceId, chapter.news);
    const url = unsubscribeUrlOf(to(person.email));
    const save = (form: [string, string][]) => fetch(`${url}/preferences`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString(), redirect: 'manual' });

    // Keep Events only in Lyon, leave Rome.
    const saved = await save([
      [`workspace:${chapter.workspaceId}`, 'receive'],
      ['shown', chapter.news],
      ['shown', chapter.events],
      ['receive', chapter.events],
      [`workspace:${second.workspaceId}`, 'leave'],
      ['shown', second.news],
      ['receive', second.news],
      ['everything', 'stay'],
    ]);
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toMatch(/\/unsubscribe\/[^/]+\?saved=1$/);
    expect(await audience(chapter.workspaceId, chapter.news)).toBe(0);
    expect(await audience(chapter.workspaceId, chapter.events)).toBe(1);
    expect(await audience(second.workspaceId, second.news)).toBe(0);
    const page = await (await fetch(`${url}?saved=1`)).text();
    expect(page).toContain('Your choices are saved.');
    expect(page).toMatch(new RegExp(`name="workspace:${second.workspaceId}" value="leave" checked`));

    // Posting the same again writes nothing more.
    const history = await historyOf(person.id);
    expect(history.map((h) => [h.level, h.status, h.source])).toEqual([
      ['category', 'unsubscribed', 'unsubscribe_link'], // Lyon's News
      ['workspace', 'unsubscribed', 'unsubscribe_link'], // Rome
    ]);
    await save([[`workspace:${second.workspaceId}`, 'leave'], ['shown', chapter.news]]);
    expect(await historyOf(person.id)).toHaveLength(2);

    // A workspace or category the page did not offer is ignored.
    const stranger = await workspaceWithPeople(1, 'Other chapter');
    await save([[`workspace:${stranger.workspaceId}`, 'leave'], ['shown', stranger.news]]);
    expect(await historyOf(person.id)).toHaveLength(2);

    // Nothing from anyone, then back.
    await save([['everything', 'leave']]);
    expect(await audience(chapter.workspaceId, chapter.events)).toBe(0);
    await save([['everything', 'stay']]);
    expect(await audience(chapter.workspaceId, chapter.events)).toBe(1);
    expect((await historyOf(person.id)).slice(2).map((h) => [h.level, h.previous, h.status, h.source])).toEqual([
      ['global', 'neutral', 'unsubscribed', 'unsubscribe_link'],
      ['global', 'unsubscribed', 'neutral', 'unsubscribe_link'],
    ]);

    // A forged token's form changes nothing.
    const before = await consentRows();
    expect((await fetch(`${tamper(url)}/preferences`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'everything=leave', redirect: 'manual' })).status).toBe(404);
    expect(await consentRows()).toBe(before);
  });
});

describe("MailerSend's unsubscribe and spam-complaint webhooks", () => {
  const webhookUrl = () => `${steward.app.url}/webhooks/mailersend`;
  const deliver = (body: string, secret = WEBHOOK_SECRET) => postMailerSendWebhook(webhookUrl(), body, signMailerSendWebhook(body, secret));
  const unsubscribed = async (contactId: string) => (await steward.app.db.selectFrom('contacts').select('unsubscribed_at').where('id', '=', contactId).executeTakeFirstOrThrow()).unsubscribed_at !== null;

  it('an unsubscribe event for a campaign recipient opts them out everywhere, recorded as by provider webhook; the same event again changes nothing', async () => {
    const { workspaceId, news, people } = await workspaceWithPeople(2);
    const { campaignId } = await sendCampaign(workspaceId, news);
    const body = mailerSendWebhookEvent('activity.unsubscribed', people[0]!.email.toUpperCase(), { tags: [`campaign-${campaignId}`] });
    const response = await deliver(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ handled: true, duplicate: false, unsubscribed: 1 });
    expect(await unsubscribed(people[0]!.id)).toBe(true);
    expect(await unsubscribed(people[1]!.id)).toBe(false);
    expect((await historyOf(people[0]!.id)).map((h) => [h.level, h.status, h.source, h.actor_user_id])).toEqual([['global', 'unsubscribed', 'provider_webhook', null]]);

    // Delivered again, after an admin lifted the unsubscribe: the event is not applied twice.
    await steward.app.db.updateTable('contacts').set({ unsubscribed_at: null }).where('id', '=', people[0]!.id).execute();
    const again = await deliver(body);
    expect(await again.json()).toEqual({ handled: true, duplicate: true, unsubscribed: 0 });
    expect(await unsubscribed(people[0]!.id)).toBe(false);
    expect(await historyOf(people[0]!.id)).toHaveLength(1);
  });

  it('a spam complaint (the flat payload, no tag) opts out the people of that address who were sent a campaign; a signature from the older secret is accepted', async () => {
    const { workspaceId, news, people } = await workspaceWithPeople(1);
    await sendCampaign(workspaceId, news);
    // The same address in another organisation that never emailed it.
    const other = await seedOrganisation(steward.app, `Other ${randomBytes(3).toString('hex')}`);
    const elsewhere = ok(await (other.admin.agent.trpc<{ id: string }>('contacts.create', { workspaceId: other.chapterWorkspaceId, firstName: 'Same', email: people[0]!.email.toUpperCase() }, 'mutation') as Promise<Result<{ id: string }>>));
    const response = await deliver(mailerSendWebhookEvent('activity.spam_complaint', people[0]!.email, { version: 2 }), 'old-secret-retired-soon');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ handled: true, duplicate: false, unsubscribed: 1 });
    expect(await unsubscribed(people[0]!.id)).toBe(true);
    expect(await unsubscribed(elsewhere.id)).toBe(false);
    expect(await audience(workspaceId, news)).toBe(0);
  });

  it('refuses a forged or missing signature, and an altered body, changing nothing', async () => {
    const { workspaceId, news, people } = await workspaceWithPeople(1);
    const { campaignId } = await sendCampaign(workspaceId, news);
    const body = mailerSendWebhookEvent('activity.spam_complaint', people[0]!.email, { id: 'forged-test-event', tags: [`campaign-${campaignId}`] });
    expect((await deliver(body, 'someone-elses-secret')).status).toBe(401);
    expect((await postMailerSendWebhook(webhookUrl(), body, '')).status).toBe(401);
    const signature = signMailerSendWebhook(body, WEBHOOK_SECRET);
    expect((await postMailerSendWebhook(webhookUrl(), body.replace('"activity.spam_complaint"', '"activity.unsubscribed"'), signature)).status).toBe(401);
    expect(await unsubscribed(people[0]!.id)).toBe(false);
    expect(await steward.app.db.selectFrom('provider_webhook_events').select('event_id').where('event_id', 'like', '%forged-test-event').execute()).toEqual([]);
    // The genuine one works.
    expect((await postMailerSendWebhook(webhookUrl(), body, signature)).status).toBe(200);
    expect(await unsubscribed(people[0]!.id)).toBe(true);
  });

  it("an organisation's own webhook secret, saved under Integrations (sealed, never shown), acts on that organisation only", async () => {
    const ownSecret = 'acme-own-mailersend-webhook-secret';
    const organisationId = steward.org.organisationId;
    const saved = await call<{ mailersend: { webhookSecret: { saved: boolean }; webhookUrl: string } }>('integrations.saveMailerSend', { organisationId, webhookSecret: ownSecret });
    expect(ok(saved).mailersend.webhookSecret).toEqual({ saved: true });
    expect(saved.data.mailersend.webhookUrl).toBe(`${steward.app.config.publicUrl.origin}/webhooks/mailersend`);
    expect(saved.text).not.toContain(ownSecret);
    const stored = await steward.app.db.selectFrom('integration_settings').select(['value', 'ciphertext']).where('organisation_id', '=', organisationId).where('setting', '=', 'webhook_secret').executeTakeFirstOrThrow();
    expect(stored.value).toBeNull();
    expect(stored.ciphertext).not.toContain(ownSecret);

    // Another organisation's campaign and person: out of reach of Acme's secret, tag or no tag.
    const other = await seedOrganisation(steward.app, `Other ${randomBytes(3).toString('hex')}`);
    const callOther = <T>(path: string, input: unknown) => other.admin.agent.trpc<T>(path, input, 'mutation') as Promise<Result<T>>;
    const otherCategory = ok(await callOther<{ id: string }>('emailCategories.create', { workspaceId: other.chapterWorkspaceId, name: 'News', subscribedByDefault: true })).id;
    const victim = ok(await callOther<{ id: string }>('contacts.create', { workspaceId: other.chapterWorkspaceId, firstName: 'Vic', email: `vic-${randomBytes(3).toString('hex')}@example.org` }));
    const otherCampaign = ok(await callOther<{ id: string }>('campaigns.create', { workspaceId: other.chapterWorkspaceId, name: 'N', subject: 'S', textBody: 'T', categoryId: otherCategory }));
    ok(await callOther('campaigns.send', { workspaceId: other.chapterWorkspaceId, campaignId: otherCampaign.id }));
    expect(await runCampaignSend(deps(), otherCampaign.id)).toBe('sent');
    const victimEmail = (await steward.app.db.selectFrom('contacts').select('email').where('id', '=', victim.id).executeTakeFirstOrThrow()).email!;
    for (const tags of [[`campaign-${otherCampaign.id}`], []]) {
      const response = await deliver(mailerSendWebhookEvent('activity.spam_complaint', victimEmail, { tags }), ownSecret);
      expect(await response.json()).toEqual({ handled: true, duplicate: false, unsubscribed: 0 });
    }
    expect(await unsubscribed(victim.id)).toBe(false);

    // Acme's own person: yes.
    const { workspaceId, news, people } = await workspaceWithPeople(1);
    const { campaignId } = await sendCampaign(workspaceId, news);
    const response = await deliver(mailerSendWebhookEvent('activity.unsubscribed', people[0]!.email, { tags: [`campaign-${campaignId}`] }), ownSecret);
    expect(await response.json()).toEqual({ handled: true, duplicate: false, unsubscribed: 1 });
    expect(await unsubscribed(people[0]!.id)).toBe(true);
  });

  it("acknowledges MailerSend's webhook.test ping whatever secret signed it (MailerSend saves a webhook only after a 2xx to it), acting on nothing", async () => {
    const ping = JSON.stringify({ type: 'webhook.test', message: 'This is a ping test message', created_at: new Date().toISOString() });
    const response = await deliver(ping, 'mailersends-own-test-secret');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ handled: false });
    // Anything else signed with it is still refused.
    const { workspaceId, news, people } = await workspaceWithPeople(1);
    await sendCampaign(workspaceId, news);
    expect((await deliver(mailerSendWebhookEvent('activity.spam_complaint', people[0]!.email), 'mailersends-own-test-secret')).status).toBe(401);
    expect(await unsubscribed(people[0]!.id)).toBe(false);
  });

  it('acknowledges other events without acting on them', async () => {
    const { workspaceId, news, people } = await workspaceWithPeople(1);
    await sendCampaign(workspaceId, news);
    const response = await deliver(mailerSendWebhookEvent('activity.delivered', people[0]!.email));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ handled: false });
    expect(await unsubscribed(people[0]!.id)).toBe(false);
  });
});
