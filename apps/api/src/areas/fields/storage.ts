import { type Database, type Db, type FieldEntity, type FieldScope, type FieldType, type Kysely, sql } from '@steward/db';
import type { Logger } from '../../logger.js';

/**
 * Where a field's values live, and the per-field index that makes filtering on them fast.
 * Indexes are built with CREATE INDEX CONCURRENTLY after the definition commits, so adding a
 * field to a workspace of a million contacts is usable at once and never blocks writes.
 */

export type ValuesTable = 'contacts' | 'contact_workspaces' | 'companies' | 'deals';

export function valuesTableOf(field: { entity: FieldEntity; scope: FieldScope }): ValuesTable {
  if (field.entity === 'company') return 'companies';
  if (field.entity === 'deal') return 'deals';
  return field.scope === 'workspace' ? 'contact_workspaces' : 'contacts';
}

/** Keys match `^[a-z][a-z0-9_]*$` (a check constraint says so); asserted again before any DDL. */
export function safeKey(key: string): string {
  if (!/^[a-z][a-z0-9_]{0,47}$/.test(key)) throw new Error(`Unsafe field key ${JSON.stringify(key)}`);
  return key;
}

export const indexNameOf = (fieldId: string) => `fv_${fieldId.replace(/-/g, '')}`;

/**
 * The expression a field's values are compared through, over `column` (the values column, maybe
 * qualified by an alias). The index is built on exactly this expression, so the planner both
 * uses it and keeps statistics on it (no partial predicate: Postgres ignores the statistics of
 * partial expression indexes, and a planner that guesses selectivity picks the wrong plan).
 */
export function valueExpression(type: FieldType, key: string, column = 'field_values'): string {
  const k = `'${safeKey(key)}'`;
  if (type === 'number') return `((${column}->>${k})::numeric)`;
  if (type === 'multi_select' || type === 'boolean') return `(${column}->${k})`;
  return `(${column}->>${k})`;
}

/** The indexed expression for a field of this type, or null for booleans (two values: no index). */
export function indexedExpression(type: FieldType, key: string): string | null {
  return type === 'boolean' ? null : valueExpression(type, key);
}

const inFlight = new Set<Promise<void>>();

/** Resolves when every background index build and value purge started so far has ended (for tests and shutdown). */
export async function fieldWorkSettled(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

/** Runs `work` after the caller's transaction has committed, without making the request wait. */
export function inBackground(logger: Logger, what: string, work: () => Promise<void>) {
  const run = (async () => {
    try {
      await work();
    } catch (error) {
      logger.warn(`Background field work failed: ${what}`, { error: (error as Error).message });
    }
  })();
  inFlight.add(run);
  void run.finally(() => inFlight.delete(run));
}

type IndexedField = { id: string; key: string; type: FieldType; entity: FieldEntity; scope: FieldScope };

/** Session advisory lock that serialises field index DDL across processes. */
const INDEX_DDL_LOCK = 7_265_911_021;

/**
 * Runs index DDL on one connection holding the lock. Two concurrent builds or drops on the same
 * table would wait on each other's snapshots (a deadlock Postgres resolves by failing one), so
 * they take turns. The lock is polled with short statements: a session waiting inside a
 * statement would hold a snapshot that the build in progress must itself wait for.
 */
async function withIndexLock(db: Db, work: (conn: Kysely<Database>) => Promise<void>): Promise<void> {
  await db.connection().execute(async (conn) => {
    for (;;) {
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${INDEX_DDL_LOCK}::bigint) as locked`.execute(conn);
      if (rows[0]?.locked) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // A concurrent build on a large table may outlast the request statement timeout; the
    // connection goes back to the pool with the timeout it came with.
    const { rows: before } = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(conn);
    await sql`set statement_timeout = 0`.execute(conn);
    try {
      await work(conn);
    } finally {
      await sql`select set_config('statement_timeout', ${before[0]!.statement_timeout}, false)`.execute(conn);
      await sql`select pg_advisory_unlock(${INDEX_DDL_LOCK}::bigint)`.execute(conn);
    }
  });
}

/** Builds the field's index concurrently and records the outcome on the definition. */
export async function buildFieldIndex(db: Db, field: IndexedField): Promise<void> {
  const expression = indexedExpression(field.type, field.key);
  const status = async (value: 'ready' | 'failed' | 'none') => {
    await db.updateTable('field_definitions').set({ index_status: value }).where('id', '=', field.id).execute();
  };
  if (!expression) return status('none');
  const table = valuesTableOf(field);
  const method = field.type === 'multi_select' ? 'gin' : 'btree';
  const name = indexNameOf(field.id);
  let built = false;
  try {
    await withIndexLock(db, async (conn) => {
      await sql`drop index concurrently if exists ${sql.id(name)}`.execute(conn);
      // The definition may have been deleted or retyped meanwhile; then this build is moot.
      const still = await conn.selectFrom('field_definitions').select('type').where('id', '=', field.id).executeTakeFirst();
      if (still?.type !== field.type) return;
      await sql`create index concurrently ${sql.id(name)} on ${sql.id(table)} using ${sql.raw(method)} (${sql.raw(expression)})`.execute(conn);
      // Statistics on the new expression now, not at the next autovacuum: a sample, not a scan.
      await sql`analyze ${sql.id(table)}`.execute(conn);
      built = true;
    });
    if (built) await status('ready');
  } catch (error) {
    await withIndexLock(db, async (conn) => {
      await sql`drop index concurrently if exists ${sql.id(name)}`.execute(conn);
    }).catch(() => undefined);
    // The definition may be gone meanwhile; nothing to record then.
    await status('failed').catch(() => undefined);
    throw error;
  }
}

export async function dropFieldIndex(db: Db, fieldId: string): Promise<void> {
  await withIndexLock(db, async (conn) => {
    await sql`drop index concurrently if exists ${sql.id(indexNameOf(fieldId))}`.execute(conn);
  });
}

const PURGE_BATCH = 5_000;

/**
 * Removes a deleted field's values in batches of 5,000 rows, each its own short statement, so no
 * long lock is held; then drops its index. The key is never reused, so values not yet purged are
 * invisible meanwhile (reads only show keys of live definitions).
 */
export async function purgeFieldValues(
  db: Db,
  field: { id: string; organisationId: string; key: string; type: FieldType; entity: FieldEntity; scope: FieldScope },
  onProgress?: (removed: number) => void,
) {
  const table = valuesTableOf(field);
  const key = safeKey(field.key);
  // While the field's btree index stays, each batch finds the remaining values through it.
  const holding = field.type === 'multi_select' || field.type === 'boolean' ? sql`field_values ? ${sql.lit(key)}` : sql`${sql.raw(valueExpression(field.type, key))} is not null`;
  let removed = 0;
  for (;;) {
    const result = await sql`
      update ${sql.id(table)} set field_values = field_values - ${key}::text
      where ctid = any(array(
        select ctid from ${sql.id(table)}
        where organisation_id = ${field.organisationId}::uuid and ${holding}
        limit ${PURGE_BATCH}
      ))`.execute(db);
    const n = Number(result.numAffectedRows ?? 0);
    removed += n;
    onProgress?.(removed);
    if (n < PURGE_BATCH) break;
  }
  await dropFieldIndex(db, field.id);
  return removed;
}

/**
 * Builds the indexes a crash or restart left unbuilt (definitions still `building`, or `failed`)
 * and drops those of fields gone meanwhile. Meant for start-up, after migrations; the work runs
 * in the background.
 */
export async function resumeFieldIndexes(db: Db, logger: Logger): Promise<number> {
  inBackground(logger, 'dropping indexes of deleted fields', async () => {
    await dropOrphanFieldIndexes(db);
  });
  const pending = await db.selectFrom('field_definitions').select(['id', 'key', 'type', 'entity', 'scope']).where('index_status', 'in', ['building', 'failed']).execute();
  for (const field of pending) inBackground(logger, `index for field ${field.key}`, () => buildFieldIndex(db, field));
  return pending.length;
}

/**
 * Drops the indexes of fields that no longer exist (their workspace or organisation was deleted,
 * taking the definitions with it), one at a time and concurrently.
 */
export async function dropOrphanFieldIndexes(db: Db): Promise<number> {
  const orphans = await sql<{ indexname: string }>`
    select i.indexname from pg_indexes i
    where i.schemaname = current_schema() and i.indexname ~ '^fv_[0-9a-f]{32}$'
      and not exists (select 1 from field_definitions f where replace(f.id::text, '-', '') = substr(i.indexname, 4))`.execute(db);
  for (const { indexname } of orphans.rows) {
    await withIndexLock(db, async (conn) => {
      await sql`drop index concurrently if exists ${sql.id(indexname)}`.execute(conn);
    });
  }
  return orphans.rows.length;
}
