import { randomBytes } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from '@steward/db';
import { actorFor, insertContacts, useStewardApp } from '@steward/test-kit';
import { inviteUser } from '../users/invitations.js';
import { createLogger } from '../../logger.js';
import { storeImportFile } from '../records/import/csv-file.js';
import { runContactImport } from '../records/import/run-import.js';
import { runCampaignSend } from '../campaigns/sending.js';

/**
 * Plans and limits as data (SPEC §3 "Organisation & billing"): each limit is enforced in the
 * transaction of the change that would cross it, with a message naming the limit and how to raise it.
 */

const steward = useStewardApp({ workers: false, organisation: 'Acme' });
const unique = () => randomBytes(4).toString('hex');

type Result<T> = { error: { message: string; data: { code: string } } | null; text: string; data: T };
const call = <T>(path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') => steward.org.admin.agent.trpc<T>(path, input, kind) as Promise<Result<T>>;

let organisationId: string;
let chapter: string;

/** A plan made for this test: plans are rows, and so are their limits. */
async function onPlan(limits: { seats?: number; workspaces?: number; contacts?: number; emailsPerMonth?: number }) {
  const id = `test_${unique()}`;
  await steward.db
    .insertInto('plans')
    .values({
      id,
      name: `Test ${id}`,
      rank: 100 + Math.floor(Math.random() * 1e6),
      seats: limits.seats ?? 0,
      workspaces: limits.workspaces ?? 0,
      contacts: limits.contacts ?? 0,
      emails_per_month: limits.emailsPerMonth ?? 0,
      price_lookup_key: null,
      monthly_price_cents: null,
      currency: null,
    })
    .execute();
  await steward.db.updateTable('organisations').set({ plan_id: id }).where('id', '=', organisationId).execute();
  return `Test ${id}`;
}

async function revokeAllInvitations() {
  await steward.db.updateTable('invitations').set({ revoked_at: new Date() }).where('organisation_id', '=', organisationId).where('accepted_at', 'is', null).where('revoked_at', 'is', null).execute();
}

const invite = (email = `person-${unique()}@example.org`) => call('invitations.create', { organisationId, email, orgRole: 'member', workspaces: [] });

beforeAll(async () => {
  organisationId = steward.org.organisationId;
  chapter = steward.org.chapterWorkspaceId;
});
beforeEach(async () => {
  await revokeAllInvitations();
  await sql`update organisations set plan_id = 'self_hosted' where id = ${organisationId}::uuid`.execute(steward.db);
  await steward.db.deleteFrom('billing_subscriptions').where('organisation_id', '=', organisationId).execute();
});

describe('plans and their limits', () => {
  it('puts an organisation of a self-hosted install (no billing provider) on the unlimited Self-hosted plan, and the billing page says so', async () => {
    const overview = await call<{ provider: string | null; plan: { id: string; name: string; limits: Record<string, number> }; plans: unknown[] }>('billing.overview', { organisationId }, 'query');
    expect(overview.data).toMatchObject({ provider: null, plan: { id: 'self_hosted', name: 'Self-hosted', limits: { seats: 0, workspaces: 0, contacts: 0, emailsPerMonth: 0 } }, plans: [] });
    for (let i = 0; i < 8; i++) expect((await invite()).error).toBeNull();
    // A new organisation made from the console is Self-hosted too.
    const created = await call<{ id: string }>('organisations.create', { name: 'Second' });
    expect((await steward.db.selectFrom('organisations').select('plan_id').where('id', '=', created.data.id).executeTakeFirstOrThrow()).plan_id).toBe('self_hosted');
  });

  it('counts seats as members plus pending invitations, from the users area and the workspace team alike', async () => {
    const plan = await onPlan({ seats: 3 });
    // One member (the admin) + two invitations = three seats.
    expect((await invite()).error).toBeNull();
    expect((await invite()).error).toBeNull();
    const refused = await invite();
    expect(refused.error?.data.code).toBe('PRECONDITION_FAILED');
    expect(refused.error?.message).toBe(
      `The ${plan} plan allows 3 seats (members and pending invitations); this organisation has 3 and this would add 1. To raise the limit, an admin or billing admin can upgrade the plan in Billing (or remove members or revoke pending invitations).`,
    );
    const team = await call('team.invite', { workspaceId: chapter, email: `team-${unique()}@example.org`, role: 'member' });
    expect(team.error?.data.code).toBe('PRECONDITION_FAILED');
    // Revoking an invitation frees its seat.
    const pending = await steward.db.selectFrom('invitations').select('id').where('organisation_id', '=', organisationId).where('revoked_at', 'is', null).where('accepted_at', 'is', null).executeTakeFirstOrThrow();
    expect((await call('invitations.revoke', { organisationId, invitationId: pending.id })).error).toBeNull();
    expect((await invite()).error).toBeNull();
  });

  it('gives the last seat to exactly one of two invitations sent at the same moment (50 times)', async () => {
    await onPlan({ seats: 2 });
    const deps = { db: steward.db, jobs: steward.app.jobs };
    const actor = actorFor(steward.org.admin);
    for (let round = 0; round < 50; round++) {
      await revokeAllInvitations();
      const outcomes = await Promise.allSettled(
        [1, 2].map((n) => inviteUser(deps, actor, organisationId, { email: `race-${round}-${n}-${unique()}@example.org`, orgRole: 'member', workspaces: [] })),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect((rejected?.reason as Error).message).toMatch(/allows 2 seats/);
      const pending = await steward.db
        .selectFrom('invitations')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('organisation_id', '=', organisationId)
        .where('revoked_at', 'is', null)
        .where('accepted_at', 'is', null)
        .executeTakeFirstOrThrow();
      expect(Number(pending.n)).toBe(1);
    }
  });

  it('limits workspaces', async () => {
    const count = Number((await steward.db.selectFrom('workspaces').select((eb) => eb.fn.countAll<string>().as('n')).where('organisation_id', '=', organisationId).executeTakeFirstOrThrow()).n);
    const plan = await onPlan({ workspaces: count + 1 });
    expect((await call('workspaces.create', { organisationId, name: 'One more', slug: `one-more-${unique()}` })).error).toBeNull();
    const refused = await call('workspaces.create', { organisationId, name: 'Too many', slug: `too-many-${unique()}` });
    expect(refused.error?.data.code).toBe('PRECONDITION_FAILED');
    expect(refused.error?.message).toContain(`The ${plan} plan allows ${count + 1} workspaces`);
  });

  it('limits contacts, for one contact and for a bulk upsert, which is refused as a whole', async () => {
    const count = Number((await steward.db.selectFrom('contacts').select((eb) => eb.fn.countAll<string>().as('n')).where('organisation_id', '=', organisationId).executeTakeFirstOrThrow()).n);
    const plan = await onPlan({ contacts: count + 12 });
    await insertContacts(steward.db, organisationId, chapter, 10);
    const rows = Array.from({ length: 3 }, () => ({ email: `bulk-${unique()}@example.org`, firstName: 'Bulk' }));
    const bulk = await call('contacts.bulk', { workspaceId: chapter, rows });
    expect(bulk.error?.data.code).toBe('PRECONDITION_FAILED');
    expect(bulk.error?.message).toContain(`The ${plan} plan allows ${(count + 12).toLocaleString('en')} contacts; this organisation has ${(count + 10).toLocaleString('en')} and this would add 3.`);
    expect((await steward.db.selectFrom('contacts').select('id').where('email', 'in', rows.map((r) => r.email)).execute()).length).toBe(0);
    expect((await call('contacts.create', { workspaceId: chapter, firstName: 'One', email: `one-${unique()}@example.org` })).error).toBeNull();
    expect((await call('contacts.create', { workspaceId: chapter, firstName: 'Two', email: `two-${unique()}@example.org` })).error).toBeNull();
    expect((await call('contacts.create', { workspaceId: chapter, firstName: 'Three', email: `three-${unique()}@example.org` })).error?.data.code).toBe('PRECONDITION_FAILED');
  });

  it('stops a CSV import at the contacts limit, with the limit in its reason', async () => {
    const count = Number((await steward.db.selectFrom('contacts').select((eb) => eb.fn.countAll<string>().as('n')).where('organisation_id', '=', organisationId).executeTakeFirstOrThrow()).n);
    const plan = await onPlan({ contacts: count + 5 });
    const rows = Array.from({ length: 8 }, (_, i) => `import-${i}-${unique()}@example.org,Imported`);
    const owner = { organisationId, workspaceId: chapter, userId: steward.org.admin.id, apiKeyId: null };
    const { id: importId } = await storeImportFile(steward.db, owner, 'people.csv', [Buffer.from(`Email,First name\n${rows.join('\n')}\n`)]);
    expect((await call('contacts.imports.start', { workspaceId: chapter, importId, mapping: [{ builtIn: 'email' }, { builtIn: 'firstName' }] })).error).toBeNull();
    expect(await runContactImport({ db: steward.db, logger: createLogger('silent'), jobs: steward.app.jobs }, importId)).toBe('failed');
    const result = await steward.db.selectFrom('contact_imports').selectAll().where('id', '=', importId).executeTakeFirstOrThrow();
    expect(result.state).toBe('failed');
    expect(JSON.stringify(result)).toContain(`The ${plan} plan allows ${(count + 5).toLocaleString('en')} contacts`);
    expect(Number((await steward.db.selectFrom('contacts').select((eb) => eb.fn.countAll<string>().as('n')).where('organisation_id', '=', organisationId).executeTakeFirstOrThrow()).n)).toBeLessThanOrEqual(count + 5);
  });

  it('limits campaign emails per month, counting the audience a send would freeze', async () => {
    const workspace = (await call<{ id: string }>('workspaces.create', { organisationId, name: 'Mailing', slug: `mailing-${unique()}` })).data.id;
    await insertContacts(steward.db, organisationId, workspace, 6);
    const category = (await call<{ id: string }>('emailCategories.create', { workspaceId: workspace, name: 'News', subscribedByDefault: true })).data.id;
    const draft = async () => (await call<{ id: string }>('campaigns.create', { workspaceId: workspace, name: 'News', subject: 'Hello', textBody: 'Hi', categoryId: category })).data.id;
    const plan = await onPlan({ emailsPerMonth: 5 });
    const refused = await call('campaigns.send', { workspaceId: workspace, campaignId: await draft() });
    expect(refused.error?.data.code).toBe('PRECONDITION_FAILED');
    expect(refused.error?.message).toContain(`The ${plan} plan allows 5 campaign emails this month; this organisation has 0 and this would add 6.`);
    expect((await steward.db.selectFrom('campaign_recipients').select('campaign_id').execute()).length).toBe(0);
    await onPlan({ emailsPerMonth: 6 });
    expect((await call('campaigns.send', { workspaceId: workspace, campaignId: await draft() })).error).toBeNull();
    // The month's six are used: the next send is refused.
    expect((await call('campaigns.send', { workspaceId: workspace, campaignId: await draft() })).error?.data.code).toBe('PRECONDITION_FAILED');
  });

  it("counts a large campaign's whole frozen audience, while most of it is not yet a recipient row", async () => {
    const workspace = (await call<{ id: string }>('workspaces.create', { organisationId, name: 'Large', slug: `large-${unique()}` })).data.id;
    await insertContacts(steward.db, organisationId, workspace, 1_200);
    const category = (await call<{ id: string }>('emailCategories.create', { workspaceId: workspace, name: 'News', subscribedByDefault: true })).data.id;
    const draft = async () => (await call<{ id: string }>('campaigns.create', { workspaceId: workspace, name: 'News', subject: 'Hello', textBody: 'Hi', categoryId: category })).data.id;
    // What earlier tests of this file sent this month, as the refusal says it.
    await onPlan({ emailsPerMonth: 1 });
    const used = (await call('campaigns.send', { workspaceId: workspace, campaignId: await draft() })).error?.message ?? '';
    const before = Number(/this organisation has ([\d,]+) and this would add 1,200/.exec(used)?.[1]?.replace(/,/g, ''));
    expect(before).toBeGreaterThanOrEqual(0);
    const plan = await onPlan({ emailsPerMonth: before + 2_000 });
    const first = await draft();
    expect((await call('campaigns.send', { workspaceId: workspace, campaignId: first })).error).toBeNull();
    // The freeze made 1,000 recipient rows; the other 200 wait as ids (campaigns.ts, expandAudience).
    expect((await steward.db.selectFrom('campaign_recipients').select('contact_id').where('campaign_id', '=', first).execute()).length).toBe(1_000);
    const refused = await call('campaigns.send', { workspaceId: workspace, campaignId: await draft() });
    expect(refused.error?.message).toContain(
      `The ${plan} plan allows ${(before + 2_000).toLocaleString('en')} campaign emails this month; this organisation has ${(before + 1_200).toLocaleString('en')} and this would add 1,200.`,
    );
  });

  it('fails a scheduled campaign whose audience the month no longer has room for, with the limit as its reason', async () => {
    const workspace = (await call<{ id: string }>('workspaces.create', { organisationId, name: 'Scheduled', slug: `scheduled-${unique()}` })).data.id;
    await insertContacts(steward.db, organisationId, workspace, 4);
    const category = (await call<{ id: string }>('emailCategories.create', { workspaceId: workspace, name: 'News', subscribedByDefault: true })).data.id;
    const campaignId = (await call<{ id: string }>('campaigns.create', { workspaceId: workspace, name: 'Later', subject: 'Hello', textBody: 'Hi', categoryId: category })).data.id;
    expect((await call('campaigns.send', { workspaceId: workspace, campaignId, at: '2099-01-01T09:00' })).error).toBeNull();
    const plan = await onPlan({ emailsPerMonth: 3 });
    await steward.db.updateTable('campaigns').set({ scheduled_at: new Date(Date.now() - 1_000) }).where('id', '=', campaignId).execute();
    const deps = { db: steward.db, config: steward.app.config, keyring: steward.app.keyring, logger: createLogger('silent'), jobs: steward.app.jobs };
    expect(await runCampaignSend(deps, campaignId)).toBe('stopped');
    const campaign = await steward.db.selectFrom('campaigns').select(['state', 'failure_reason']).where('id', '=', campaignId).executeTakeFirstOrThrow();
    expect(campaign.state).toBe('failed');
    expect(campaign.failure_reason).toContain(`The ${plan} plan allows 3 campaign emails this month`);
  });

  it('while the payment is past due, refuses growth but not reading', async () => {
    await onPlan({});
    await steward.db.insertInto('billing_subscriptions').values({ organisation_id: organisationId, provider: 'stripe', customer_id: `cus_${unique()}`, subscription_id: `sub_${unique()}`, status: 'past_due' }).execute();
    const refused = await invite();
    expect(refused.error?.data.code).toBe('PRECONDITION_FAILED');
    expect(refused.error?.message).toContain('past due');
    expect((await call('contacts.create', { workspaceId: chapter, firstName: 'New', email: `new-${unique()}@example.org` })).error?.message).toContain('past due');
    expect((await call('users.list', { organisationId }, 'query')).error).toBeNull();
    expect((await call('contacts.list', { workspaceId: chapter, limit: 5 }, 'query')).error).toBeNull();
    const overview = await call<{ pastDue: boolean }>('billing.overview', { organisationId }, 'query');
    expect(overview.data.pastDue).toBe(true);
  });
});
