import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { insertContacts, useStewardApp } from '@steward/test-kit';

/** The send through the app's own job workers (pg-boss), as in production: nothing is called by hand. */
const steward = useStewardApp({ fakeMailerSend: true, organisation: 'Acme', env: { MAILERSEND_BULK_REQUESTS_PER_MINUTE: '0' } });

type Result<T> = { error: { message: string } | null; text: string; data: T };
const ok = <T>(result: Result<T>) => {
  expect(result.error, result.text).toBeNull();
  return result.data;
};
const call = <T>(path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') => steward.org.admin.agent.trpc<T>(path, input, kind) as Promise<Result<T>>;

async function campaignTo(count: number) {
  const workspaceId = ok(await call<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: 'Jobs', slug: `jobs-${randomBytes(4).toString('hex')}` })).id;
  const categoryId = ok(await call<{ id: string }>('emailCategories.create', { workspaceId, name: 'News', subscribedByDefault: true })).id;
  await insertContacts(steward.app.db, steward.org.organisationId, workspaceId, count);
  const campaignId = ok(await call<{ id: string }>('campaigns.create', { workspaceId, name: 'News', subject: 'Hi {{firstName}}', textBody: 'Hello {{fullName}}', categoryId })).id;
  const emails = (
    await steward.app.db.selectFrom('contact_workspaces as cw').innerJoin('contacts as c', 'c.id', 'cw.contact_id').select('c.email').where('cw.workspace_id', '=', workspaceId).execute()
  ).map((r) => r.email!);
  return { workspaceId, campaignId, emails };
}

async function settled(workspaceId: string, campaignId: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const progress = ok(await call<{ state: string; sent: number; pending: number; failed: number }>('campaigns.progress', { workspaceId, campaignId }, 'query'));
    if (progress.state !== 'sending' || Date.now() > deadline) return progress;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function expectEachOnce(expected: string[]) {
  const addresses = steward.mailer.received.flatMap((r) => (r.body.to ?? []).map((t) => t.email));
  expect(addresses.length).toBe(new Set(addresses).size);
  expect(addresses.sort()).toEqual([...expected].sort());
}

beforeEach(() => steward.mailer.reset());

describe('the campaign send job', () => {
  it('sends a campaign started from the console to everyone once', async () => {
    const { workspaceId, campaignId, emails } = await campaignTo(620);
    ok(await call('campaigns.send', { workspaceId, campaignId }));
    expect(await settled(workspaceId, campaignId)).toMatchObject({ state: 'sent', sent: 620, pending: 0 });
    expectEachOnce(emails);
    expect(steward.mailer.bulks.map((b) => b.count)).toEqual([500, 120]);
  });

  it('obeys a 429 with a delayed job, and a 5xx with a retry, and still sends everyone once', async () => {
    const { workspaceId, campaignId, emails } = await campaignTo(40);
    steward.mailer.throttleNext(1);
    steward.mailer.failNext(502);
    ok(await call('campaigns.send', { workspaceId, campaignId }));
    expect(await settled(workspaceId, campaignId)).toMatchObject({ state: 'sent', sent: 40 });
    expectEachOnce(emails);
  });
});
