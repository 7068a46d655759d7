import { type Database, type Db, sql, type Transaction } from '@steward/db';
import type { Config } from '../../config.js';
import type { JobQueue } from '../../email/jobs.js';
import type { Logger } from '../../logger.js';
import { billingProviderFor } from '../billing/provider.js';

/** The pg-boss queue of purges, each due at the end of its organisation's grace period. */
export const PURGE_QUEUE = 'organisation-purge';
/** An hourly look for organisations past their grace period whose job was lost or gave up. */
const PURGE_SWEEP_QUEUE = 'organisation-purge-sweep';
const PURGE_SWEEP_CRON = '23 * * * *';
const PURGE_BATCH_ROWS = 5_000;

/**
 * Tables of the installation rather than of an organisation: the purge leaves them alone, and the
 * purge test checks that every other table is reached (an `organisation_id` or `workspace_id`
 * column, or a cascading foreign key from such a table), so a new table cannot be forgotten.
 */
export const INSTALLATION_TABLES = [
  'users',
  'oauth_accounts',
  'sessions',
  'rate_limits',
  'plans',
  'mailersend_bulk_slots',
  // Ids of provider events already acted on (no address, nothing about a person): kept to refuse replays.
  'provider_webhook_events',
  'kysely_migration',
  'kysely_migration_lock',
];

const queuesReady = new WeakSet<object>();
async function ensurePurgeQueue(jobs: JobQueue) {
  if (queuesReady.has(jobs.boss)) return;
  // A purge of a large organisation takes minutes; a dead worker's job is retried (the purge resumes).
  await jobs.boss.createQueue(PURGE_QUEUE, { retryLimit: 10, retryDelay: 60, retryBackoff: true, expireInSeconds: 3600 });
  await jobs.boss.createQueue(PURGE_SWEEP_QUEUE, { retryLimit: 0, expireInSeconds: 3600 });
  queuesReady.add(jobs.boss);
}

export async function enqueuePurge(jobs: JobQueue, trx: Transaction<Database>, organisationId: string, at: Date) {
  await ensurePurgeQueue(jobs);
  await jobs.enqueue(trx, PURGE_QUEUE, { organisationId }, { startAfter: at });
}

interface PurgeTable {
  name: string;
  /** How the table's rows of one organisation are found. */
  key: 'organisation_id' | 'workspace_id';
}

/**
 * The tables whose rows of an organisation the purge deletes itself, read from the catalogue: those
 * with an `organisation_id` or `workspace_id` column, except those whose rows all go with a parent
 * row the purge deletes (a NOT NULL reference with ON DELETE CASCADE to another such table: the
 * people's workspace links and consent history go with the people, batch by batch, and append-only
 * tables allow exactly that). Ordered so that a table comes before the tables it references, so
 * that references without ON DELETE CASCADE never block the purge.
 */
export async function purgeTables(db: Db): Promise<PurgeTable[]> {
  const { rows: tables } = await sql<{ name: string; has_org: boolean; has_ws: boolean }>`
    select c.relname as name,
      exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'organisation_id' and not a.attisdropped) as has_org,
      exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'workspace_id' and not a.attisdropped) as has_ws
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relkind in ('r', 'p') and not c.relispartition`.execute(db);
  const { rows: references } = await sql<{ child: string; parent: string; cascades: boolean; required: boolean }>`
    select ch.relname as child, pa.relname as parent, k.confdeltype = 'c' as cascades,
      not exists (
        select 1 from unnest(k.conkey) as col(n)
        join pg_attribute a on a.attrelid = k.conrelid and a.attnum = col.n
        where not a.attnotnull) as required
    from pg_constraint k
    join pg_class ch on ch.oid = k.conrelid
    join pg_class pa on pa.oid = k.confrelid
    join pg_namespace n on n.oid = ch.relnamespace
    where k.contype = 'f' and n.nspname = current_schema() and ch.oid <> pa.oid`.execute(db);
  const owned = new Set(tables.filter((t) => (t.has_org || t.has_ws) && t.name !== 'organisations').map((t) => t.name));
  const goesWithParent = new Set(references.filter((r) => r.cascades && r.required && owned.has(r.parent) && owned.has(r.child)).map((r) => r.child));
  const candidates = new Map(
    tables.filter((t) => owned.has(t.name) && !goesWithParent.has(t.name)).map((t) => [t.name, { name: t.name, key: t.has_org ? 'organisation_id' : 'workspace_id' } as PurgeTable]),
  );
  const referrers = new Map<string, string[]>();
  for (const { child, parent } of references) referrers.set(parent, [...(referrers.get(parent) ?? []), child]);
  const ordered: PurgeTable[] = [];
  const visited = new Set<string>();
  const visit = (name: string) => {
    if (visited.has(name)) return;
    visited.add(name);
    for (const child of referrers.get(name) ?? []) visit(child);
    const table = candidates.get(name);
    if (table) ordered.push(table);
  };
  for (const name of [...candidates.keys()].sort()) visit(name);
  return ordered;
}

/**
 * Removes every row of the organisation: sessions of the people who belong to no other
 * organisation first (they can sign in again, to nothing), then each table found in the catalogue
 * in batches of PURGE_BATCH_ROWS (each batch its own short transaction: no long lock, and a purge
 * that stops half-way resumes where it was), then the organisation itself, whose cascades take
 * whatever is left. Rows of other organisations are never selected.
 */
export async function purgeOrganisation(db: Db, organisationId: string, options: { batchRows?: number } = {}) {
  const started = performance.now();
  const batchRows = options.batchRows ?? PURGE_BATCH_ROWS;
  await sql`
    delete from sessions where user_id in (
      select m.user_id from memberships m
      where m.organisation_id = ${organisationId}::uuid
        and not exists (select 1 from memberships o where o.user_id = m.user_id and o.organisation_id <> ${organisationId}::uuid))`.execute(db);
  const workspaceIds = (await db.selectFrom('workspaces').select('id').where('organisation_id', '=', organisationId).execute()).map((w) => w.id);
  const deleted: Record<string, number> = {};
  const milliseconds: Record<string, number> = {};
  for (const table of await purgeTables(db)) {
    const tableStarted = performance.now();
    if (table.key === 'workspace_id' && workspaceIds.length === 0) continue;
    const owned = table.key === 'organisation_id' ? sql`organisation_id = ${organisationId}::uuid` : sql`workspace_id = any(${workspaceIds}::uuid[])`;
    for (;;) {
      const removed = await db.transaction().execute(async (trx) => {
        // The audit log refuses deletions except of this organisation's entries during its purge.
        await sql`select set_config('steward.purging_organisation', ${organisationId}, true)`.execute(trx);
        const result = await sql`
          delete from ${sql.table(table.name)}
          where ctid = any(array(select ctid from ${sql.table(table.name)} where ${owned} limit ${batchRows}))`.execute(trx);
        return Number(result.numAffectedRows ?? 0);
      });
      if (removed > 0) deleted[table.name] = (deleted[table.name] ?? 0) + removed;
      if (removed < batchRows) break;
    }
    milliseconds[table.name] = Math.round(performance.now() - tableStarted);
  }
  await db.transaction().execute(async (trx) => {
    await sql`select set_config('steward.purging_organisation', ${organisationId}, true)`.execute(trx);
    await trx.deleteFrom('organisations').where('id', '=', organisationId).execute();
  });
  return { deleted, milliseconds: Math.round(performance.now() - started), millisecondsByTable: milliseconds };
}

/**
 * The purge job: purges the organisation if its grace period is over (a restore, or a later
 * deletion request, makes an earlier job find nothing due). Its subscription is cancelled outright
 * first; the provider being unreachable retries the job later.
 */
export async function purgeIfDue(deps: { db: Db; config: Config; logger: Logger }, organisationId: string) {
  const due = await deps.db.selectFrom('organisations').select('id').where('id', '=', organisationId).where('purge_after', '<=', sql<Date>`now()`).executeTakeFirst();
  if (!due) return null;
  const subscription = await deps.db
    .selectFrom('billing_subscriptions')
    .select('subscription_id')
    .where('organisation_id', '=', organisationId)
    .where('status', 'not in', ['canceled', 'incomplete_expired'])
    .executeTakeFirst();
  const provider = billingProviderFor(deps.config);
  if (subscription?.subscription_id && provider) await provider.cancelNow(subscription.subscription_id);
  const outcome = await purgeOrganisation(deps.db, organisationId);
  deps.logger.info('Purged a deleted organisation', { organisationId, milliseconds: outcome.milliseconds, deleted: outcome.deleted });
  return outcome;
}

/** Purges, one after the other, every organisation whose grace period is over (the hourly sweep). */
export async function purgeAllDue(deps: { db: Db; config: Config; logger: Logger }) {
  const due = await deps.db.selectFrom('organisations').select('id').where('purge_after', '<=', sql<Date>`now()`).orderBy('purge_after').execute();
  for (const { id } of due) await purgeIfDue(deps, id);
  return due.length;
}

export async function startOrganisationPurgeWorker(deps: { db: Db; config: Config; logger: Logger; jobs: JobQueue }) {
  await ensurePurgeQueue(deps.jobs);
  await deps.jobs.boss.schedule(PURGE_SWEEP_QUEUE, PURGE_SWEEP_CRON, null, { tz: 'UTC' });
  await deps.jobs.boss.work(PURGE_SWEEP_QUEUE, { batchSize: 1, pollingIntervalSeconds: deps.jobs.pollingIntervalSeconds }, async () => {
    await purgeAllDue(deps);
  });
  await deps.jobs.boss.work<{ organisationId: string }, void, { batchSize: number; pollingIntervalSeconds: number }>(
    PURGE_QUEUE,
    { batchSize: 1, pollingIntervalSeconds: deps.jobs.pollingIntervalSeconds },
    async ([job]) => {
      if (job) await purgeIfDue(deps, job.data.organisationId);
    },
  );
}
