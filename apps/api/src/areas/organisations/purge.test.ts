import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from '@steward/db';
import { addSignedInMember, insertContacts, seedOrganisation, subscribeOrganisation, useStewardApp, type SeededOrganisation, type SeededUser } from '@steward/test-kit';
import { appRouter } from '../../router.js';
import { procedureSamples } from '../../../test/procedure-samples.js';
import { createLogger } from '../../logger.js';
import { INSTALLATION_TABLES, PURGE_QUEUE, purgeIfDue } from './purge.js';

/**
 * Deleting an organisation: restorable during the grace period, then purged so that nothing of it
 * remains in any table — the tables are read from the catalogue (information_schema), so a table
 * added later is checked without anyone remembering to — and nothing of another organisation changes.
 */

const steward = useStewardApp({ workers: false, fakeStripe: true });
const SAMPLES = procedureSamples(() => steward.app);
const CONTACTS = 100_000;
/** What the purge job runs with. */
const jobDeps = () => ({ db: steward.db, config: steward.app.config, logger: createLogger('silent') });

interface ProcedureDef {
  _def: { type: 'query' | 'mutation' };
}
const procedures = (appRouter as unknown as { _def: { procedures: Record<string, ProcedureDef> } })._def.procedures;

let doomed: SeededOrganisation;
let kept: SeededOrganisation;
/** Every table before the doomed organisation existed (the installation's own tables aside). */
let beforeDoomed: Map<string, string>;
let doomedMember: SeededUser;
/** A person in both organisations: their sessions outlive the purge. */
let inBoth: SeededUser;

const q = <T>(query: ReturnType<typeof sql<T>>) => query.execute(steward.db).then((r) => r.rows);

async function publicTables() {
  return (
    await q(sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`)
  ).map((r) => r.table_name);
}

async function columnsOf(): Promise<Map<string, Set<string>>> {
  const rows = await q(sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns where table_schema = current_schema()`);
  const map = new Map<string, Set<string>>();
  for (const r of rows) map.set(r.table_name, (map.get(r.table_name) ?? new Set()).add(r.column_name));
  return map;
}

/** Each table's rows as one digest and a count: equal snapshots mean no row was added, removed or changed. */
async function snapshot(except: string[]) {
  const digests = new Map<string, string>();
  for (const table of await publicTables()) {
    if (except.includes(table)) continue;
    const [row] = await q(sql<{ n: string; digest: string }>`
      select count(*) as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from ${sql.table(table)} t`);
    digests.set(table, `${row!.n}:${row!.digest}`);
  }
  return digests;
}

const OWN_ORGANISATION_SAMPLES = ['organisations.update', 'organisations.delete', 'organisations.restore', 'billing.checkout', 'billing.portal', 'billing.changePlan', 'billing.cancel', 'billing.resume'];

/** Calls every procedure that has a sample as the organisation's admin, so that most tables hold its rows. */
async function exerciseEveryProcedure(org: SeededOrganisation) {
  let succeeded = 0;
  for (const [path, procedure] of Object.entries(procedures)) {
    const sample = SAMPLES[path];
    // Deleting is what the test does itself; leaving would take the admin out; some samples make
    // an organisation of their own (this one's subscription is made below).
    if (!sample || path === 'users.leave' || OWN_ORGANISATION_SAMPLES.includes(path)) continue;
    // A workspace of its own for each call, as in the matrix test (one of them deletes its workspace).
    const slug = `ws-${path.replace(/\W+/g, '-').toLowerCase()}`;
    const workspace = await steward.db.insertInto('workspaces').values({ organisation_id: org.organisationId, kind: 'chapter', name: slug, slug }).returning('id').executeTakeFirstOrThrow();
    const input = await sample({ organisationId: org.organisationId, workspaceId: workspace.id, caller: org.admin, admin: org.admin });
    const result = await org.admin.agent.trpc(path, input, procedure._def.type);
    if (!result.error) succeeded += 1;
  }
  return succeeded;
}

beforeAll(async () => {
  // The kept organisation has a little of everything, and its own subscription.
  kept = await seedOrganisation(steward.app, 'Kept');
  inBoth = await addSignedInMember(steward.app, kept.organisationId, 'both@example.org', 'member');
  await insertContacts(steward.db, kept.organisationId, kept.chapterWorkspaceId, 1_000);
  await exerciseEveryProcedure(kept);
  await subscribeOrganisation(steward.app, kept.organisationId);
  beforeDoomed = await snapshot(INSTALLATION_TABLES);

  doomed = await seedOrganisation(steward.app, 'Doomed');
  await steward.db.insertInto('memberships').values({ organisation_id: doomed.organisationId, user_id: inBoth.id, org_role: 'member' }).execute();
  doomedMember = await addSignedInMember(steward.app, doomed.organisationId, 'member@doomed.example', 'member', [{ workspaceId: doomed.chapterWorkspaceId, role: 'member' }]);
}, 600_000);

describe('deleting an organisation', () => {
  it('refuses a confirmation that is not the organisation’s name', async () => {
    const result = await doomed.admin.agent.trpc('organisations.delete', { organisationId: doomed.organisationId, confirmName: 'doomed' }, 'mutation');
    expect(result.error?.data.code).toBe('BAD_REQUEST');
    expect(result.error?.message).toContain('"Doomed"');
  });

  it('closes the organisation to its members at once, and its admins can restore it during the grace period', async () => {
    for (let i = 0; i < CONTACTS; i += 20_000) await insertContacts(steward.db, doomed.organisationId, doomed.chapterWorkspaceId, 20_000);
    const { key } = (await doomedMember.agent.trpc<{ key: string }>('apiKeys.create', { organisationId: doomed.organisationId, name: 'member key' }, 'mutation')).data;
    const before = await doomedMember.agent.trpc<{ items: unknown[] }>('contacts.list', { workspaceId: doomed.chapterWorkspaceId, limit: 5 });
    expect(before.error).toBeNull();

    const scheduled = await doomed.admin.agent.trpc<{ deletionScheduledUntil: string }>('organisations.delete', { organisationId: doomed.organisationId, confirmName: 'Doomed' }, 'mutation');
    expect(scheduled.error, scheduled.text).toBeNull();
    const purgeAfter = new Date(scheduled.data.deletionScheduledUntil).getTime();
    expect(purgeAfter - Date.now()).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(purgeAfter - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
    // The purge job is queued for the end of the grace period.
    const [job] = await q(sql<{ start_after: Date }>`select start_after from pgboss.job where name = ${PURGE_QUEUE} and data->>'organisationId' = ${doomed.organisationId}`);
    expect(Math.abs(job!.start_after.getTime() - purgeAfter)).toBeLessThan(1_000);

    // Members: the organisation is gone for them, through a session or a key.
    expect((await doomedMember.agent.trpc('contacts.list', { workspaceId: doomed.chapterWorkspaceId, limit: 5 })).error?.data.code).toBe('NOT_FOUND');
    expect((await doomedMember.agent.trpc('apiKeys.list', { organisationId: doomed.organisationId })).error?.data.code).toBe('NOT_FOUND');
    const me = await doomedMember.agent.trpc<{ organisations: { id: string }[] }>('me');
    expect(me.data.organisations.map((o) => o.id)).not.toContain(doomed.organisationId);
    const byKey = await fetch(`${steward.app.url}/api/v1/workspaces/${doomed.chapterWorkspaceId}`, { headers: { authorization: `Bearer ${key}` } });
    expect(byKey.status).toBe(401);
    // Even its admin only sees it to restore it.
    expect((await doomed.admin.agent.trpc('workspaces.list', { organisationId: doomed.organisationId })).error?.data.code).toBe('NOT_FOUND');
    const adminMe = await doomed.admin.agent.trpc<{ organisations: { id: string; deletionScheduledUntil: string | null; workspaces: unknown[] }[] }>('me');
    expect(adminMe.data.organisations.find((o) => o.id === doomed.organisationId)).toMatchObject({ deletionScheduledUntil: scheduled.data.deletionScheduledUntil, workspaces: [] });

    // Not due: the job purges nothing.
    expect(await purgeIfDue(jobDeps(), doomed.organisationId)).toBeNull();
    expect((await q(sql<{ n: number }>`select count(*)::int as n from contacts where organisation_id = ${doomed.organisationId}::uuid`))[0]!.n).toBe(CONTACTS);

    // A member cannot restore it; its admin can, and everything is back.
    expect((await doomedMember.agent.trpc('organisations.restore', { organisationId: doomed.organisationId }, 'mutation')).error?.data.code).toBe('FORBIDDEN');
    const restored = await doomed.admin.agent.trpc('organisations.restore', { organisationId: doomed.organisationId }, 'mutation');
    expect(restored.error, restored.text).toBeNull();
    const after = await doomedMember.agent.trpc<{ items: unknown[] }>('contacts.list', { workspaceId: doomed.chapterWorkspaceId, limit: 5 });
    expect(after.error, after.text).toBeNull();
    expect((await fetch(`${steward.app.url}/api/v1/workspaces/${doomed.chapterWorkspaceId}`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    // The job queued for the first request finds nothing due once the organisation is restored.
    expect(await purgeIfDue(jobDeps(), doomed.organisationId)).toBeNull();
  }, 300_000);

  it('after the grace period, purges every row of the organisation from every table, and nothing of another', async () => {
    const exercised = await exerciseEveryProcedure(doomed);
    expect(exercised).toBeGreaterThan(50);
    const { subscriptionId } = await subscribeOrganisation(steward.app, doomed.organisationId, { plan: 'professional' });
    await steward.db.insertInto('billing_events').values({ event_id: 'evt_doomed', type: 'invoice.paid', organisation_id: doomed.organisationId, processed_at: new Date() }).execute();

    const deleted = await doomed.admin.agent.trpc('organisations.delete', { organisationId: doomed.organisationId, confirmName: 'Doomed' }, 'mutation');
    expect(deleted.error, deleted.text).toBeNull();
    // Seven days later (the clock is moved by moving the date back).
    await sql`update organisations set deletion_requested_at = now() - interval '7 days', purge_after = now() - interval '1 second' where id = ${doomed.organisationId}::uuid`.execute(steward.db);
    expect((await doomed.admin.agent.trpc('organisations.restore', { organisationId: doomed.organisationId }, 'mutation')).error?.data.code).toBe('CONFLICT');

    const doomedWorkspaces = (await steward.db.selectFrom('workspaces').select('id').where('organisation_id', '=', doomed.organisationId).execute()).map((w) => w.id);
    const columns = await columnsOf();
    // The organisation's rows are spread over many tables before the purge.
    const holding: string[] = [];
    for (const [table, cols] of columns) {
      if (!cols.has('organisation_id')) continue;
      const [row] = await q(sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where organisation_id = ${doomed.organisationId}::uuid`);
      if (row!.n > 0) holding.push(table);
    }
    expect(holding.length).toBeGreaterThan(20);

    const outcome = await purgeIfDue(jobDeps(), doomed.organisationId);
    expect(outcome).not.toBeNull();
    process.stdout.write(`Purged an organisation with ${CONTACTS.toLocaleString('en')} contacts in ${outcome!.milliseconds} ms: ${JSON.stringify(outcome!.deleted)} ${JSON.stringify(outcome!.millisecondsByTable)}\n`);

    // No row of it in any table of the catalogue: by its organisation, by its workspaces…
    const left: string[] = [];
    for (const [table, cols] of columns) {
      if (cols.has('organisation_id')) {
        const [row] = await q(sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where organisation_id = ${doomed.organisationId}::uuid`);
        if (row!.n > 0) left.push(`${table} (${row!.n} by organisation_id)`);
      }
      if (cols.has('workspace_id')) {
        const [row] = await q(sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where workspace_id = any(${doomedWorkspaces}::uuid[])`);
        if (row!.n > 0) left.push(`${table} (${row!.n} by workspace_id)`);
      }
    }
    expect(left).toEqual([]);
    // …nor anywhere else: every table is row for row what it was before the doomed organisation
    // existed (rows reached through its contacts, campaigns… included), so nothing of the kept
    // organisation was touched either. The installation's own tables (people, sessions) aside.
    const afterPurge = await snapshot(INSTALLATION_TABLES);
    const changed = [...new Set([...afterPurge.keys(), ...beforeDoomed.keys()])].filter((table) => afterPurge.get(table) !== beforeDoomed.get(table));
    expect(changed).toEqual([]);
    // Its subscription is cancelled at the provider.
    expect(steward.stripe.subscriptions.get(subscriptionId)!.status).toBe('canceled');
    // People who belonged only to it are signed out; someone who also belongs elsewhere is not.
    const sessionsOf = async (userId: string) => (await q(sql<{ n: number }>`select count(*)::int as n from sessions where user_id = ${userId}::uuid`))[0]!.n;
    expect(await sessionsOf(doomedMember.id)).toBe(0);
    expect(await sessionsOf(doomed.admin.id)).toBe(0);
    expect(await sessionsOf(inBoth.id)).toBeGreaterThan(0);
    expect((await inBoth.agent.trpc('me')).error).toBeNull();
  }, 600_000);

  it('leaves the kept organisation exactly as it was', async () => {
    // A snapshot of the kept organisation taken now equals one of a fresh copy of its data: its
    // contacts, members, subscription and everything else answer as before.
    const contacts = await kept.admin.agent.trpc<{ items: unknown[] }>('contacts.list', { workspaceId: kept.chapterWorkspaceId, limit: 5 });
    expect(contacts.error, contacts.text).toBeNull();
    expect((await q(sql<{ n: number }>`select count(*)::int as n from contacts where organisation_id = ${kept.organisationId}::uuid`))[0]!.n).toBeGreaterThanOrEqual(1_000);
    const overview = await kept.admin.agent.trpc<{ plan: { id: string } }>('billing.overview', { organisationId: kept.organisationId });
    expect(overview.data.plan.id).toBe('starter');
  });

  it('reaches every table of the catalogue: each holds an organisation_id or workspace_id, hangs by a cascading reference from one that does, or is one of the installation’s own', async () => {
    const columns = await columnsOf();
    const references = await q(sql<{ child: string; parent: string; delete_rule: string }>`
      select kcu.table_name as child, ccu.table_name as parent, rc.delete_rule
      from information_schema.referential_constraints rc
      join information_schema.key_column_usage kcu on kcu.constraint_name = rc.constraint_name and kcu.constraint_schema = rc.constraint_schema
      join information_schema.constraint_column_usage ccu on ccu.constraint_name = rc.unique_constraint_name and ccu.constraint_schema = rc.unique_constraint_schema
      where rc.constraint_schema = current_schema()`);
    const owned = new Set([...columns].filter(([, cols]) => cols.has('organisation_id') || cols.has('workspace_id')).map(([t]) => t));
    owned.add('organisations');
    // Tables reached by a cascade from an owned one are owned too (campaign recipients through campaigns…).
    for (let grew = true; grew; ) {
      grew = false;
      for (const r of references) {
        if (r.delete_rule === 'CASCADE' && owned.has(r.parent) && !owned.has(r.child)) {
          owned.add(r.child);
          grew = true;
        }
      }
    }
    const unreached = (await publicTables()).filter((t) => !owned.has(t) && !INSTALLATION_TABLES.includes(t));
    expect(unreached, 'tables the purge of an organisation would not reach: give them an organisation_id, a cascading reference, or list them in INSTALLATION_TABLES').toEqual([]);
  });
});
