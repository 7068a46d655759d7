import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from '@steward/db';
import { type ApiProcess, insertContacts, startApiProcess, useStewardApp } from '@steward/test-kit';
import { QUEUES } from '../../email/jobs.js';

/**
 * The send survives its worker process dying mid-request (SIGKILL: no shutdown, no cleanup) and
 * two workers taking over at once: nobody is sent twice, everyone ends in a final state.
 */
const steward = useStewardApp({ workers: false, fakeMailerSend: true, organisation: 'Crash' });
const processes: ApiProcess[] = [];
afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
});

type Result<T> = { error: { message: string } | null; text: string; data: T };
const ok = <T>(result: Result<T>) => {
  expect(result.error, result.text).toBeNull();
  return result.data;
};
const call = <T>(path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') => steward.org.admin.agent.trpc<T>(path, input, kind) as Promise<Result<T>>;

const startWorker = async () => {
  const worker = await startApiProcess({
    databaseUrl: steward.database.url,
    env: { ...steward.mailer.env(), MAILERSEND_BULK_REQUESTS_PER_MINUTE: '0', LOG_LEVEL: 'info' },
  });
  processes.push(worker);
  return worker;
};

describe('a campaign send whose worker is killed mid-request', () => {
  it('is finished by two other workers: each address reached at most once, the batch in flight closed as outcome unknown, never resent', async () => {
    const workspaceId = ok(await call<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: 'Crash', slug: `crash-${randomBytes(3).toString('hex')}` })).id;
    const categoryId = ok(await call<{ id: string }>('emailCategories.create', { workspaceId, name: 'News', subscribedByDefault: true })).id;
    await insertContacts(steward.app.db, steward.org.organisationId, workspaceId, 1_400);
    const campaignId = ok(await call<{ id: string }>('campaigns.create', { workspaceId, name: 'News', subject: 'Hi {{firstName}}', textBody: 'Hello', categoryId })).id;

    // MailerSend takes 3 s to answer: the worker is killed while its first request is out.
    steward.mailer.delayBulk(3_000);
    const doomed = await startWorker();
    ok(await call('campaigns.send', { workspaceId, campaignId }));
    const inFlight = async () =>
      Number(
        (await steward.db.selectFrom('campaign_recipients').select((eb) => eb.fn.countAll<string>().as('n')).where('campaign_id', '=', campaignId).where('state', '=', 'sending').executeTakeFirstOrThrow()).n,
      );
    await expect.poll(inFlight, { timeout: 60_000, interval: 50 }).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await doomed.kill();
    const claimedByTheDead = await inFlight();
    expect(claimedByTheDead).toBeGreaterThan(0);

    // MailerSend still takes the request it had (the provider got it; the worker never heard back).
    await expect.poll(() => steward.mailer.bulks.length, { timeout: 10_000 }).toBe(1);
    steward.mailer.delayBulk(0);
    // The 15 minutes after which a batch in flight counts as lost, passed; and the dead worker's
    // job retried (pg-boss does so once its heartbeat stops).
    await sql`update campaign_recipients set updated_at = now() - interval '1 hour' where campaign_id = ${campaignId}::uuid and state = 'sending'`.execute(steward.db);
    await Promise.all([startWorker(), startWorker()]);
    await steward.app.jobs.enqueue(steward.db, QUEUES.campaignSend, { campaignId });

    const progress = async () => ok(await call<{ state: string; sent: number; failed: number; pending: number }>('campaigns.progress', { workspaceId, campaignId }, 'query'));
    await expect.poll(async () => (await progress()).state, { timeout: 90_000, interval: 250 }).toBe('sent');
    const final = await progress();

    const addresses = steward.mailer.received.flatMap((r) => (r.body.to ?? []).map((t) => t.email));
    expect(addresses.length).toBe(new Set(addresses).size);
    expect(addresses.length).toBe(1_400);
    expect(final).toMatchObject({ sent: 1_400 - claimedByTheDead, failed: claimedByTheDead, pending: 0 });
    const states = await steward.db.selectFrom('campaign_recipients').select(['state', 'error']).where('campaign_id', '=', campaignId).execute();
    expect(states.every((r) => r.state === 'sent' || r.state === 'failed')).toBe(true);
    expect(states.filter((r) => r.state === 'failed').every((r) => /unknown/i.test(r.error ?? ''))).toBe(true);
  }, 180_000);
});
