import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { insertContacts, useStewardApp } from '@steward/test-kit';
import { sql } from '@steward/db';
import { createLogger } from '../../logger.js';
import { type CampaignSendDeps, reconcileCampaignBulks, runCampaignSend } from './sending.js';

/**
 * Sending through the local MailerSend stand-in, the send job called directly (no workers run in
 * this file, so each test decides when a run happens, and how many at once).
 */
const steward = useStewardApp({ workers: false, fakeMailerSend: true, organisation: 'Acme', env: { MAILERSEND_BULK_REQUESTS_PER_MINUTE: '0' } });

type Result<T> = { error: { message: string; data: { code: string } } | null; text: string; data: T };
const ok = <T>(result: Result<T>) => {
  expect(result.error, result.text).toBeNull();
  return result.data;
};
const call = <T>(path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') => steward.org.admin.agent.trpc<T>(path, input, kind) as Promise<Result<T>>;
const unique = () => randomBytes(4).toString('hex');

interface Progress {
  state: string;
  failureReason: string | null;
  total: number;
  pending: number;
  sending: number;
  sent: number;
  failed: number;
  skipped: number;
  throttledUntil: string | null;
}

const deps = (): CampaignSendDeps => ({ db: steward.app.db, config: steward.app.config, keyring: steward.app.keyring, jobs: steward.app.jobs, logger: createLogger('silent') });

/** A new workspace with `count` people, a category they all receive by default, and a draft to them. */
async function audienceOf(count: number, content: Record<string, unknown> = {}) {
  const workspaceId = ok(await call<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: 'Send', slug: `send-${unique()}` })).id;
  const categoryId = ok(await call<{ id: string }>('emailCategories.create', { workspaceId, name: 'News', subscribedByDefault: true })).id;
  await insertContacts(steward.app.db, steward.org.organisationId, workspaceId, count);
  const campaign = ok(
    await call<{ id: string }>('campaigns.create', { workspaceId, name: 'News', subject: 'Hello {{firstName}}', htmlBody: '<p>Dear {{fullName}}</p>', textBody: 'Dear {{fullName}}', categoryId, ...content }),
  );
  const emails = (
    await steward.app.db.selectFrom('contact_workspaces as cw').innerJoin('contacts as c', 'c.id', 'cw.contact_id').select('c.email').where('cw.workspace_id', '=', workspaceId).execute()
  ).map((r) => r.email!);
  return { workspaceId, categoryId, campaignId: campaign.id, emails };
}

const send = async (workspaceId: string, campaignId: string) => ok(await call<{ state: string }>('campaigns.send', { workspaceId, campaignId }));
const progress = async (workspaceId: string, campaignId: string) => ok(await call<Progress>('campaigns.progress', { workspaceId, campaignId }, 'query'));

/** Every address the stand-in received, with how many times. */
function receivedCounts() {
  const counts = new Map<string, number>();
  for (const email of steward.mailer.received) for (const to of email.body.to ?? []) counts.set(to.email, (counts.get(to.email) ?? 0) + 1);
  return counts;
}
function expectEachOnce(expected: string[]) {
  const counts = receivedCounts();
  expect([...counts.keys()].sort()).toEqual([...expected].sort());
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
}

beforeEach(() => steward.mailer.reset());

describe('sending a campaign', () => {
  it('freezes the audience and sends every recipient exactly once, in bulk requests of at most 500', async () => {
    const { workspaceId, campaignId, emails } = await audienceOf(1203);
    expect((await send(workspaceId, campaignId)).state).toBe('sending');
    expect(await runCampaignSend(deps(), campaignId)).toBe('sent');
    expectEachOnce(emails);
    expect(steward.mailer.bulks.map((b) => b.count)).toEqual([500, 500, 203]);
    const done = await progress(workspaceId, campaignId);
    expect(done).toMatchObject({ state: 'sent', total: 1203, sent: 1203, pending: 0, sending: 0, failed: 0, skipped: 0 });
    // A second run finds nothing to do and sends nothing.
    expect(await runCampaignSend(deps(), campaignId)).toBe('stopped');
    expect(steward.mailer.received).toHaveLength(1203);
    const bulkIds = await steward.app.db.selectFrom('campaign_recipients').select('provider_bulk_id').distinct().where('campaign_id', '=', campaignId).execute();
    expect(bulkIds.map((r) => r.provider_bulk_id).sort()).toEqual(['bulk-1', 'bulk-2', 'bulk-3']);
  });

  it('sends to exactly the people who receive it, among 10,000 with every kind of opt-out, each once', async () => {
    const db = steward.app.db;
    const organisationId = steward.org.organisationId;
    const { workspaceId, categoryId, campaignId } = await audienceOf(9600);
    // 4 %: people of the organisation linked only to another workspace.
    const elsewhere = ok(await call<{ id: string }>('workspaces.create', { organisationId, name: 'Elsewhere', slug: `else-${unique()}` })).id;
    await insertContacts(db, organisationId, elsewhere, 400);
    const people = await db.selectFrom('contact_workspaces as cw').innerJoin('contacts as c', 'c.id', 'cw.contact_id').select(['c.id', 'c.email']).where('cw.workspace_id', '=', workspaceId).orderBy('c.id').execute();
    const slice = (from: number, count: number) => people.slice(from, from + count).map((p) => p.id);
    const categoryOut = slice(0, 3000); // 30 %
    const globalOut = slice(3000, 500); // 5 %
    const workspaceOut = slice(3500, 300); // 3 %
    const lateOut = slice(3800, 200); // 2 %, between the freeze and the send
    await db.insertInto('contact_categories').values(categoryOut.map((id) => ({ category_id: categoryId, contact_id: id, organisation_id: organisationId, status: 'unsubscribed' as const }))).execute();
    await db.updateTable('contacts').set({ unsubscribed_at: new Date() }).where('id', 'in', globalOut).execute();
    await db.updateTable('contact_workspaces').set({ subscription: 'unsubscribed' }).where('workspace_id', '=', workspaceId).where('contact_id', 'in', workspaceOut).execute();

    await send(workspaceId, campaignId);
    expect((await progress(workspaceId, campaignId)).total).toBe(9600 - 3800);
    // The late ones opt out at each level after the freeze.
    await db.insertInto('contact_categories').values(lateOut.slice(0, 100).map((id) => ({ category_id: categoryId, contact_id: id, organisation_id: organisationId, status: 'unsubscribed' as const }))).execute();
    await db.updateTable('contacts').set({ unsubscribed_at: new Date() }).where('id', 'in', lateOut.slice(100, 150)).execute();
    await db.updateTable('contact_workspaces').set({ subscription: 'unsubscribed' }).where('workspace_id', '=', workspaceId).where('contact_id', 'in', lateOut.slice(150)).execute();

    expect(await runCampaignSend(deps(), campaignId)).toBe('sent');
    expectEachOnce(people.slice(4000).map((p) => p.email!));
    expect(await progress(workspaceId, campaignId)).toMatchObject({ state: 'sent', total: 5800, sent: 5600, skipped: 200, failed: 0, pending: 0 });
    expect(steward.mailer.bulks.every((b) => b.count <= 500)).toBe(true);
  });

  it('reads back each accepted bulk: messages MailerSend refused become failed with its reason, once it has finished', async () => {
    const { workspaceId, campaignId, emails } = await audienceOf(25);
    const [first, second] = emails.sort();
    steward.mailer.refuseInBulk(first!, 'The to.0.email must be a valid email address.');
    steward.mailer.refuseInBulk(second!, 'The recipient domain does not accept mail.');
    await send(workspaceId, campaignId);
    expect(await runCampaignSend(deps(), campaignId, { batchSize: 10 })).toBe('sent');
    expect((await progress(workspaceId, campaignId)).sent).toBe(25);

    // Still processing: nothing changes, and the bulks stay to be read again.
    steward.mailer.setBulkState('in-progress');
    expect(await reconcileCampaignBulks(deps(), campaignId)).toBe(3);
    expect((await progress(workspaceId, campaignId)).failed).toBe(0);

    steward.mailer.setBulkState('completed');
    expect(await reconcileCampaignBulks(deps(), campaignId)).toBe(0);
    expect(await progress(workspaceId, campaignId)).toMatchObject({ state: 'sent', sent: 23, failed: 2 });
    const failed = await steward.app.db.selectFrom('campaign_recipients').select(['email', 'error']).where('campaign_id', '=', campaignId).where('state', '=', 'failed').orderBy('email').execute();
    expect(failed).toEqual([
      { email: first, error: 'Refused by MailerSend: The to.0.email must be a valid email address.' },
      { email: second, error: 'Refused by MailerSend: The recipient domain does not accept mail.' },
    ].sort((a, b) => a.email!.localeCompare(b.email!)));
    // Read once: a second pass finds nothing left to check.
    expect(await reconcileCampaignBulks(deps(), campaignId)).toBe(0);
  });

  it('renders merge fields per recipient, HTML-escaped in the HTML body only', async () => {
    const { workspaceId, campaignId, emails } = await audienceOf(1);
    await steward.app.db.updateTable('contacts').set({ first_name: '<b>Al & "Bo"</b>', last_name: "O'Neil" }).where('email', '=', emails[0]!).execute();
    expect((await call('workspaces.update', { workspaceId, emailSenderName: 'Acme\r\nBcc: someone@example.org' })).error?.message).toMatch(/line breaks/);
    ok(await call('workspaces.update', { workspaceId, emailSenderName: 'Acme Paris' }));
    await send(workspaceId, campaignId);
    await runCampaignSend(deps(), campaignId);
    const [email] = steward.mailer.received;
    expect(email!.body.subject).toBe('Hello <b>Al & "Bo"</b>');
    // (Each body is followed by the unsubscribe line: areas/unsubscribe/unsubscribe.test.ts.)
    expect(email!.body.text!.split('\n\n--\n')[0]).toBe(`Dear <b>Al & "Bo"</b> O'Neil`);
    expect(email!.body.html!.split('<p style=')[0]).toBe('<p>Dear &lt;b&gt;Al &amp; &quot;Bo&quot;&lt;/b&gt; O&#39;Neil</p>');
    // The workspace's sender name; the address is the server's (no organisation key is saved).
    expect(email!.body.from).toEqual({ email: 'steward@example.org', name: 'Acme Paris' });
    expect((email!.body as { precedence_bulk?: boolean }).precedence_bulk).toBe(true);
  });

  it('skips, and records, a person who opted out between the freeze and the send', async () => {
    const { workspaceId, categoryId, campaignId, emails } = await audienceOf(20);
    await send(workspaceId, campaignId);
    const people = await steward.app.db.selectFrom('contacts').select(['id', 'email']).where('email', 'in', emails.slice(0, 3)).execute();
    ok(await call('consent.set', { workspaceId, contactId: people[0]!.id, categories: [{ categoryId, status: 'unsubscribed' }] }));
    ok(await call('consent.set', { workspaceId, contactId: people[1]!.id, workspace: 'unsubscribed' }));
    ok(await call('consent.set', { workspaceId, contactId: people[2]!.id, globallyUnsubscribed: true }));

    expect(await runCampaignSend(deps(), campaignId)).toBe('sent');
    expectEachOnce(emails.filter((e) => !people.some((p) => p.email === e)));
    expect(await progress(workspaceId, campaignId)).toMatchObject({ state: 'sent', total: 20, sent: 17, skipped: 3 });
    const skipped = await steward.app.db.selectFrom('campaign_recipients').select(['contact_id', 'error']).where('campaign_id', '=', campaignId).where('state', '=', 'skipped_opted_out').execute();
    expect(skipped.map((s) => s.contact_id).sort()).toEqual(people.map((p) => p.id).sort());
    expect(skipped[0]!.error).toMatch(/opted out/i);
  });

  it('waits out a 429 for its Retry-After instead of failing, then carries on without duplicates', async () => {
    const { workspaceId, campaignId, emails } = await audienceOf(120);
    await send(workspaceId, campaignId);
    steward.mailer.throttleNext(1);
    expect(await runCampaignSend(deps(), campaignId, { batchSize: 50 })).toBe('throttled');
    const waiting = await progress(workspaceId, campaignId);
    expect(waiting).toMatchObject({ state: 'sending', pending: 120, sent: 0, failed: 0 });
    expect(waiting.throttledUntil).not.toBeNull();
    // Before Retry-After has passed, a run sends nothing.
    expect(await runCampaignSend(deps(), campaignId, { batchSize: 50 })).toBe('throttled');
    expect(steward.mailer.received).toHaveLength(0);
    // A delayed job was queued for then.
    const queued = await sql<{ n: string }>`select count(*) as n from pgboss.job where name = 'campaign-send' and data->>'campaignId' = ${campaignId} and start_after > now()`.execute(steward.app.db);
    expect(Number(queued.rows[0]!.n)).toBeGreaterThanOrEqual(1);

    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await runCampaignSend(deps(), campaignId, { batchSize: 50 })).toBe('sent');
    expectEachOnce(emails);
    expect(await progress(workspaceId, campaignId)).toMatchObject({ state: 'sent', sent: 120, throttledUntil: null });
  });

  it('puts a batch back after a 5xx (the job retries), and records a refused batch as failed with the reason', async () => {
    const { workspaceId, campaignId, emails } = await audienceOf(30);
    await send(workspaceId, campaignId);
    steward.mailer.failNext(503);
    await expect(runCampaignSend(deps(), campaignId, { batchSize: 10 })).rejects.toThrow(/HTTP 503/);
    expect(await progress(workspaceId, campaignId)).toMatchObject({ state: 'sending', pending: 30, sent: 0 });

    steward.mailer.failNext(422, { message: 'The from.email domain must be verified.' });
    expect(await runCampaignSend(deps(), campaignId, { batchSize: 10 })).toBe('sent');
    expect(await progress(workspaceId, campaignId)).toMatchObject({ state: 'sent', sent: 20, failed: 10 });
    const failed = await steward.app.db.selectFrom('campaign_recipients').select(['email', 'error']).where('campaign_id', '=', campaignId).where('state', '=', 'failed').execute();
    expect(failed[0]!.error).toContain('must be verified');
    expectEachOnce(emails.filter((e) => !failed.some((f) => f.email === e)));

    // The console lists the failed ones with the reason, and sends to them again on request.
    const listed = ok(await call<{ recipients: { email: string; error: string }[] }>('campaigns.recipients', { workspaceId, campaignId, state: 'failed' }, 'query'));
    expect(listed.recipients.map((r) => r.email).sort()).toEqual(failed.map((f) => f.email).sort());
    expect(listed.recipients[0]!.error).toContain('must be verified');
    expect(ok(await call<{ state: string }>('campaigns.retryFailed', { workspaceId, campaignId })).state).toBe('sending');
    expect(await runCampaignSend(deps(), campaignId, { batchSize: 10 })).toBe('sent');
    expectEachOnce(emails);
    expect(await progress(workspaceId, campaignId)).toMatchObject({ state: 'sent', sent: 30, failed: 0 });
    expect((await call('campaigns.retryFailed', { workspaceId, campaignId })).error?.data.code).toBe('BAD_REQUEST');
  });

  it('closes a batch a dead worker left mid-request as failed (outcome unknown), never sending it again', async () => {
    const { workspaceId, campaignId, emails } = await audienceOf(30);
    await send(workspaceId, campaignId);
    // What a worker killed after claiming 10 recipients and before MailerSend answered leaves behind.
    const claimed = await steward.app.db.selectFrom('campaign_recipients').select(['contact_id', 'email']).where('campaign_id', '=', campaignId).orderBy('contact_id').limit(10).execute();
    await steward.app.db
      .updateTable('campaign_recipients')
      .set({ state: 'sending', batch_id: '00000000-0000-4000-8000-000000000001', updated_at: new Date(Date.now() - 3_600_000) })
      .where('campaign_id', '=', campaignId)
      .where('contact_id', 'in', claimed.map((c) => c.contact_id))
      .execute();

    expect(await runCampaignSend(deps(), campaignId, { batchSize: 10 })).toBe('sent');
    expectEachOnce(emails.filter((e) => !claimed.some((c) => c.email === e)));
    expect(await progress(workspaceId, campaignId)).toMatchObject({ state: 'sent', sent: 20, failed: 10, sending: 0 });
    const unknown = await steward.app.db.selectFrom('campaign_recipients').select('error').where('campaign_id', '=', campaignId).where('state', '=', 'failed').execute();
    expect(unknown.every((u) => /unknown/.test(u.error ?? ''))).toBe(true);
  });

  it('leaves a batch in flight elsewhere alone, and comes back once it would be stale to end the campaign', async () => {
    const { workspaceId, campaignId, emails } = await audienceOf(10);
    await send(workspaceId, campaignId);
    const inFlight = await steward.app.db.selectFrom('campaign_recipients').select(['contact_id', 'email']).where('campaign_id', '=', campaignId).orderBy('contact_id').limit(5).execute();
    const mark = (updatedAt: Date) =>
      steward.app.db
        .updateTable('campaign_recipients')
        .set({ state: 'sending', batch_id: '00000000-0000-4000-8000-000000000002', updated_at: updatedAt })
        .where('campaign_id', '=', campaignId)
        .where('contact_id', 'in', inFlight.map((c) => c.contact_id))
        .execute();
    await mark(new Date());
    expect(await runCampaignSend(deps(), campaignId)).toBe('stopped');
    expect(await progress(workspaceId, campaignId)).toMatchObject({ state: 'sending', sent: 5, sending: 5 });
    const followUp = await sql<{ n: string }>`select count(*) as n from pgboss.job where name = 'campaign-send' and data->>'campaignId' = ${campaignId} and start_after > now() + interval '15 minutes'`.execute(steward.app.db);
    expect(Number(followUp.rows[0]!.n)).toBe(1);

    // That run died: its batch is stale when the follow-up comes.
    await mark(new Date(Date.now() - 16 * 60_000));
    expect(await runCampaignSend(deps(), campaignId)).toBe('sent');
    expect(await progress(workspaceId, campaignId)).toMatchObject({ state: 'sent', sent: 5, failed: 5, sending: 0 });
    expectEachOnce(emails.filter((e) => !inFlight.some((c) => c.email === e)));
  });

  it('fails the campaign on a refused API key, keeps everyone pending, and resumes once the key works', async () => {
    const { workspaceId, campaignId, emails } = await audienceOf(15);
    await send(workspaceId, campaignId);
    steward.mailer.failNext(401, { message: 'Unauthenticated.' });
    expect(await runCampaignSend(deps(), campaignId)).toBe('failed');
    const failed = await progress(workspaceId, campaignId);
    expect(failed).toMatchObject({ state: 'failed', pending: 15, sent: 0 });
    expect(failed.failureReason).toMatch(/API key/);
    ok(await call('campaigns.resume', { workspaceId, campaignId }));
    expect(await runCampaignSend(deps(), campaignId)).toBe('sent');
    expectEachOnce(emails);
  });

  it('pauses between batches and resumes exactly where it stopped: nobody twice, nobody left out', async () => {
    const { workspaceId, campaignId, emails } = await audienceOf(300);
    await send(workspaceId, campaignId);
    steward.mailer.delayBulk(150);
    const running = runCampaignSend(deps(), campaignId, { batchSize: 25 });
    await steward.mailer.waitFor(50);
    ok(await call('campaigns.pause', { workspaceId, campaignId }));
    expect(await running).toBe('stopped');
    const paused = await progress(workspaceId, campaignId);
    expect(paused.state).toBe('paused');
    expect(paused.sending).toBe(0);
    expect(paused.sent).toBeGreaterThanOrEqual(50);
    expect(paused.sent).toBeLessThan(300);
    expect(paused.pending).toBe(300 - paused.sent);
    // While paused, a run (a stray job) sends nothing.
    expect(await runCampaignSend(deps(), campaignId, { batchSize: 25 })).toBe('stopped');
    expect(steward.mailer.received).toHaveLength(paused.sent);

    steward.mailer.delayBulk(0);
    expect(ok(await call<{ state: string }>('campaigns.resume', { workspaceId, campaignId })).state).toBe('sending');
    expect(await runCampaignSend(deps(), campaignId, { batchSize: 25 })).toBe('sent');
    expectEachOnce(emails);
  });

  it('never double-sends when two runs work on the same campaign at once', async () => {
    const { workspaceId, campaignId, emails } = await audienceOf(400);
    await send(workspaceId, campaignId);
    steward.mailer.delayBulk(20);
    const outcomes = await Promise.all([runCampaignSend(deps(), campaignId, { batchSize: 20 }), runCampaignSend(deps(), campaignId, { batchSize: 20 }), runCampaignSend(deps(), campaignId, { batchSize: 20 })]);
    expect(outcomes.filter((o) => o === 'sent')).toHaveLength(1);
    expectEachOnce(emails);
    // A claim racing another may come back short (rows taken meanwhile are skipped), never over.
    expect(steward.mailer.bulks.every((b) => b.count <= 20)).toBe(true);
    expect(steward.mailer.bulks.reduce((n, b) => n + b.count, 0)).toBe(400);
    expect(await progress(workspaceId, campaignId)).toMatchObject({ state: 'sent', sent: 400 });
  });

  it('keeps every worker of a MailerSend account to one shared pace of bulk requests', async () => {
    const { workspaceId, campaignId, emails } = await audienceOf(100);
    const other = await audienceOf(100);
    await send(workspaceId, campaignId);
    await send(other.workspaceId, other.campaignId);
    // 120 a minute: one request every half second, however many runs and campaigns share the key.
    const paced: CampaignSendDeps = { ...deps(), config: { ...steward.app.config, mailersend: { ...steward.app.config.mailersend, bulkRequestsPerMinute: 120 } } };
    await Promise.all([runCampaignSend(paced, campaignId, { batchSize: 50 }), runCampaignSend(paced, campaignId, { batchSize: 50 }), runCampaignSend(paced, other.campaignId, { batchSize: 50 })]);
    expectEachOnce([...emails, ...other.emails]);
    const times = steward.mailer.bulks.map((b) => b.at).sort((a, b) => a - b);
    expect(times).toHaveLength(4);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(450);
  });

  it('stops sending when cancelled; those not yet sent get nothing', async () => {
    const { workspaceId, campaignId } = await audienceOf(100);
    await send(workspaceId, campaignId);
    steward.mailer.delayBulk(100);
    const running = runCampaignSend(deps(), campaignId, { batchSize: 10 });
    await steward.mailer.waitFor(10);
    ok(await call('campaigns.cancel', { workspaceId, campaignId }));
    expect(await running).toBe('stopped');
    const cancelled = await progress(workspaceId, campaignId);
    expect(cancelled.state).toBe('cancelled');
    expect(steward.mailer.received).toHaveLength(cancelled.sent);
    expect(cancelled.pending).toBe(100 - cancelled.sent);
    expect((await call('campaigns.resume', { workspaceId, campaignId })).error?.data.code).toBe('CONFLICT');
  });

  it('starts a scheduled campaign when it is due, freezing the audience then', async () => {
    const { workspaceId, campaignId, emails } = await audienceOf(5);
    const at = new Date(Date.now() + 60_000).toISOString().slice(0, 16);
    expect(ok(await call<{ state: string }>('campaigns.send', { workspaceId, campaignId, at })).state).toBe('scheduled');
    // Not due yet: nothing happens.
    expect(await runCampaignSend(deps(), campaignId)).toBe('stopped');
    expect((await progress(workspaceId, campaignId)).total).toBe(0);
    await steward.app.db.updateTable('campaigns').set({ scheduled_at: new Date(Date.now() - 1000) }).where('id', '=', campaignId).execute();
    expect(await runCampaignSend(deps(), campaignId)).toBe('sent');
    expectEachOnce(emails);
  });
});

describe('a large audience, frozen as ids and expanded slice by slice (migrations/0021)', () => {
  it('freezes everyone at once, then reaches exactly them, once each, with two runs expanding at the same time', async () => {
    const { workspaceId, categoryId, campaignId, emails } = await audienceOf(2_600);
    await send(workspaceId, campaignId);
    // Frozen: all 2,600 counted as pending, the first 1,000 already recipient rows, the rest as ids.
    expect(await progress(workspaceId, campaignId)).toMatchObject({ state: 'sending', total: 2_600, pending: 2_600, sent: 0 });
    const audience = await steward.app.db.selectFrom('campaign_audiences').selectAll().where('campaign_id', '=', campaignId).executeTakeFirstOrThrow();
    expect(audience).toMatchObject({ size: 2_600, expanded: 1_000 });
    expect(audience.recipients!.length).toBe(2_600 * 16);
    const rows = await steward.app.db.selectFrom('campaign_recipients').select('contact_id').where('campaign_id', '=', campaignId).execute();
    expect(rows).toHaveLength(1_000);

    // After the freeze, among those not yet expanded: one person is deleted, one opts out; and a
    // newcomer joins the workspace. None of them gets the campaign.
    const [deleted, optedOut] = await steward.app.db
      .selectFrom('contact_workspaces as cw')
      .innerJoin('contacts as c', 'c.id', 'cw.contact_id')
      .select(['c.id', 'c.email'])
      .where('cw.workspace_id', '=', workspaceId)
      .where('c.id', 'not in', rows.map((r) => r.contact_id))
      .limit(2)
      .execute();
    await steward.app.db.deleteFrom('contacts').where('id', '=', deleted!.id).execute();
    ok(await call('consent.set', { workspaceId, contactId: optedOut!.id, categories: [{ categoryId, status: 'unsubscribed' }] }));
    await insertContacts(steward.app.db, steward.org.organisationId, workspaceId, 3);

    steward.mailer.delayBulk(5);
    const outcomes = await Promise.all([runCampaignSend(deps(), campaignId, { batchSize: 100 }), runCampaignSend(deps(), campaignId, { batchSize: 100 })]);
    expect(outcomes.filter((o) => o === 'sent')).toHaveLength(1);
    expectEachOnce(emails.filter((e) => e !== deleted!.email && e !== optedOut!.email));
    // The deleted person is in no count; the one who opted out is skipped, and recorded.
    expect(await progress(workspaceId, campaignId)).toMatchObject({ state: 'sent', total: 2_599, pending: 0, sending: 0, sent: 2_598, skipped: 1 });
    const after = await steward.app.db.selectFrom('campaign_audiences').selectAll().where('campaign_id', '=', campaignId).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ size: 2_600, expanded: 2_600, recipients: null });
  });

  it('keeps no ids of a cancelled campaign that were never reached, and still counts them', async () => {
    const other = await audienceOf(1_500);
    await send(other.workspaceId, other.campaignId);
    ok(await call('campaigns.cancel', { workspaceId: other.workspaceId, campaignId: other.campaignId }));
    expect(await steward.app.db.selectFrom('campaign_audiences').selectAll().where('campaign_id', '=', other.campaignId).executeTakeFirstOrThrow()).toMatchObject({
      size: 1_500,
      expanded: 1_000,
      recipients: null,
    });
    expect(await progress(other.workspaceId, other.campaignId)).toMatchObject({ state: 'cancelled', total: 1_500, pending: 1_500, sent: 0 });
    expect(await runCampaignSend(deps(), other.campaignId)).toBe('stopped');
  });
});
