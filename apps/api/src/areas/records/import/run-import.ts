import { type Db, sql } from '@steward/db';
import { workspaceRoleCan } from '../../../access/matrix.js';
import { resolveWorkspaceAccess } from '../../../access/roles.js';
import { type JobQueue, QUEUES } from '../../../email/jobs.js';
import { AppError } from '../../../errors.js';
import type { Logger } from '../../../logger.js';
import { recordAudit } from '../../audit/record.js';
import { notifyImportFinished } from '../../notifications/events.js';
import { type RecordCaller, upsertContacts } from '../contacts.js';
import { visibleDefinitions } from '../filters.js';
import { type CsvRecord, storedRecords } from './csv-file.js';
import { applyImportedConsent } from '../../consent/imported.js';
import { importCategories, type ImportRow, planRecords } from './imports.js';
import { problemsByColumn, type ResolvedColumn, rejectionText, resolveMapping } from './mapping.js';
import { BATCH_ROWS, type ColumnTarget, UPSERT_SLICE } from './schemas.js';

/**
 * The import job. It streams the stored file and writes it in batches of `BATCH_ROWS` rows, each
 * batch one transaction holding its contacts (through `upsertContacts`, the REST bulk upsert's
 * own path), its rejected rows and the progress counters. `processed_rows` therefore says exactly
 * how far the committed work goes: a retried job skips that many rows and carries on, and a batch
 * that finds the counter moved (another attempt got there first) or the import cancelled stops.
 */

export interface ImportJobDeps {
  db: Db;
  logger: Logger;
  /** For the "import finished" notification, enqueued with the end. */
  jobs: JobQueue;
}

/** The job stops without failing: the import was cancelled, or another attempt owns it. */
class ImportStopped extends Error {}

export async function runContactImport(deps: ImportJobDeps, importId: string): Promise<'completed' | 'failed' | 'stopped'> {
  const { db } = deps;
  const row = await db.selectFrom('contact_imports').selectAll().where('id', '=', importId).executeTakeFirst();
  if (!row || (row.state !== 'queued' && row.state !== 'running')) return 'stopped';

  const access = row.created_by ? await resolveWorkspaceAccess(db, row.created_by, row.workspace_id) : null;
  if (!access || !workspaceRoleCan(access.role, 'records.create')) {
    await finishImport(deps, row, 'failed', 'The person who started the import can no longer add contacts to this workspace.');
    return 'failed';
  }
  const caller: RecordCaller = { place: { organisationId: row.organisation_id, workspaceId: row.workspace_id, kind: access.kind }, userId: row.created_by!, role: access.role };
  let columns: ResolvedColumn[];
  try {
    columns = resolveMapping(row.headers, row.mapping as ColumnTarget[], await visibleDefinitions(db, caller.place, 'contact'), await importCategories(db, caller.place.workspaceId));
  } catch (error) {
    // A mapped field was deleted while the import waited.
    if (!(error instanceof AppError)) throw error;
    await finishImport(deps, row, 'failed', error.message);
    return 'failed';
  }
  await db
    .updateTable('contact_imports')
    .set({ state: 'running', started_at: sql`coalesce(started_at, now())`, updated_at: sql`now()` })
    .where('id', '=', row.id)
    .where('state', 'in', ['queued', 'running'])
    .execute();

  const records = storedRecords(db, row.id, row.delimiter);
  try {
    await records.next(); // the header
    const firstRowOf = new Map<string, number>();
    // Rows an earlier attempt committed are read past; their emails still count as seen.
    for (let skip = row.processed_rows; skip > 0; skip--) {
      const next = await records.next();
      if (next.done) break;
      planRecords([next.value], row.headers, columns, firstRowOf);
    }
    for (let committed = row.processed_rows; ; ) {
      const written = await commitBatch(db, row, caller, columns, records, firstRowOf, committed);
      if (written === 0) break;
      committed += written;
    }
  } catch (error) {
    if (error instanceof ImportStopped) return 'stopped';
    // A plan's contacts limit (or a payment past due) ends the import where it got to, with the
    // limit and how to raise it as its reason: retrying the job would meet the same refusal.
    if (error instanceof AppError && error.code === 'PRECONDITION_FAILED') {
      await finishImport(deps, row, 'failed', error.message);
      return 'failed';
    }
    throw error;
  } finally {
    await records.return(undefined);
  }
  const finished = await finishImport(deps, row, 'completed');
  await refreshStatistics(deps, row.total_rows);
  return finished ? 'completed' : 'stopped';
}

/** Imports this large change the tables' shape enough for stale statistics to mislead the planner. */
const ANALYZE_FROM_ROWS = 10_000;

/**
 * After a large import the planner's statistics describe the tables before it: until autovacuum
 * catches up (a minute or more), it may think a workspace holds a few hundred people and pick a
 * plan that walks every contact of the organisation (measured: 200 ms instead of 1 ms at 60,000).
 * A sampled ANALYZE takes a fraction of a second.
 */
async function refreshStatistics(deps: ImportJobDeps, rows: number) {
  if (rows < ANALYZE_FROM_ROWS) return;
  try {
    await sql`analyze contacts, contact_workspaces`.execute(deps.db);
  } catch (error) {
    deps.logger.warn('Could not refresh statistics after an import', { error: (error as Error).message });
  }
}

/**
 * One batch, whole or not at all: up to `BATCH_ROWS` rows of the file, their contacts, their
 * rejected rows, and the counters that say so. The rows are read from the file as the batch goes,
 * a slice at a time, and each slice is converted and upserted before the next is read: a row is
 * held only until its slice is written (the refused ones until the report rows are stored), so
 * the job's working set stays small and short-lived whatever the batch size. Returns the number
 * of rows the batch took (0 at the end of the file).
 */
async function commitBatch(db: Db, row: ImportRow, caller: RecordCaller, columns: ResolvedColumn[], records: AsyncIterator<CsvRecord>, firstRowOf: Map<string, number>, offset: number): Promise<number> {
  const first = await records.next();
  if (first.done) return 0;
  return db.transaction().execute(async (trx) => {
    const now = await trx.selectFrom('contact_imports').select(['state', 'processed_rows']).where('id', '=', row.id).forUpdate().executeTakeFirst();
    if (!now || now.state !== 'running' || now.processed_rows !== offset) throw new ImportStopped();

    const counts = { created: 0, updated: 0, linked: 0 };
    const rejected: { import_id: string; row_number: number; cells: string; error: string }[] = [];
    let taken = 0;
    let slice: CsvRecord[] = [first.value];
    for (;;) {
      while (slice.length < UPSERT_SLICE && taken + slice.length < BATCH_ROWS) {
        const next = await records.next();
        if (next.done) break;
        slice.push(next.value);
      }
      if (slice.length === 0) break;
      taken += slice.length;
      const planned = planRecords(slice, row.headers, columns, firstRowOf);
      const valid = planned.filter((p) => p.row !== null);
      const outcome = valid.length ? await upsertContacts(trx, caller, valid.map((p) => p.row!)) : null;
      valid.forEach((p, i) => (p.problems = problemsByColumn(outcome!.results[i]!.errors, columns)));
      // The consent columns of the rows written, recorded in the history as coming from the import.
      const consent = valid.flatMap((p, i) => {
        const contactId = outcome!.results[i]!.contactId;
        return p.consent && contactId && p.problems.length === 0 ? [{ contactId, consent: p.consent }] : [];
      });
      if (consent.length) {
        const author = { organisationId: row.organisation_id, source: 'import' as const, userId: row.created_by, apiKeyId: row.api_key_id };
        await applyImportedConsent(trx, author, row.workspace_id, consent);
      }
      // A row of a person erased on request is reported without its cells: the report must not keep them.
      const suppressed = new Set(valid.filter((_, i) => outcome!.results[i]!.suppressed));
      for (const p of planned) {
        const cells = suppressed.has(p) ? p.record.cells.map(() => '') : p.record.cells;
        if (p.problems.length) rejected.push({ import_id: row.id, row_number: p.record.rowNumber, cells: JSON.stringify(cells), error: rejectionText(p.problems, row.headers) });
      }
      counts.created += outcome?.created ?? 0;
      counts.updated += outcome?.updated ?? 0;
      counts.linked += outcome?.linked ?? 0;
      if (taken >= BATCH_ROWS) break;
      slice = [];
    }
    // The rejections commit with the counter: a resumed import never records a row twice.
    if (rejected.length) await trx.insertInto('contact_import_rejections').values(rejected).execute();
    await trx
      .updateTable('contact_imports')
      .set((eb) => ({
        processed_rows: eb('processed_rows', '+', taken),
        created_count: eb('created_count', '+', counts.created),
        updated_count: eb('updated_count', '+', counts.updated),
        linked_count: eb('linked_count', '+', counts.linked),
        rejected_count: eb('rejected_count', '+', rejected.length),
        updated_at: sql`now()`,
      }))
      .where('id', '=', row.id)
      .execute();
    return taken;
  });
}

/**
 * Ends the import (if it is still running or queued): the stored file is deleted, and the person
 * who started it gets an audit entry with the summary. False when it had already ended.
 */
export async function finishImport(deps: ImportJobDeps, row: ImportRow, state: 'completed' | 'failed', reason: string | null = null): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    const ended = await trx
      .updateTable('contact_imports')
      .set({ state, failure_reason: reason, finished_at: sql`now()`, updated_at: sql`now()` })
      .where('id', '=', row.id)
      .where('state', 'in', ['queued', 'running'])
      .returningAll()
      .executeTakeFirst();
    if (!ended) return false;
    await trx.deleteFrom('contact_import_chunks').where('import_id', '=', row.id).execute();
    const starter = row.created_by ? await trx.selectFrom('users').select(['id', 'email']).where('id', '=', row.created_by).executeTakeFirst() : undefined;
    if (starter) {
      await recordAudit(
        trx,
        { userId: starter.id, email: starter.email, apiKeyId: ended.api_key_id, requestId: null, ip: null },
        {
          organisationId: ended.organisation_id,
          workspaceId: ended.workspace_id,
          action: `contacts.imports.${state}`,
          targetType: 'contact_import',
          targetId: ended.id,
          after: { fileName: ended.file_name, totalRows: ended.total_rows, processedRows: ended.processed_rows, created: ended.created_count, updated: ended.updated_count, linked: ended.linked_count, rejected: ended.rejected_count, reason },
        },
      );
    }
    await notifyImportFinished(trx, deps.jobs, ended);
    deps.logger.info(`Contact import ${state}`, { importId: ended.id, processedRows: ended.processed_rows, rejected: ended.rejected_count });
    return true;
  });
}

/** Registers the import worker of this process; pg-boss hands each job to one instance. */
export async function startContactImportWorker(deps: ImportJobDeps & { jobs: JobQueue }) {
  await deps.jobs.boss.work<{ importId: string }, void, { includeMetadata: true; batchSize: number; pollingIntervalSeconds: number }>(
    QUEUES.contactImport,
    { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: deps.jobs.pollingIntervalSeconds },
    async ([job]) => {
      if (!job) return;
      try {
        await runContactImport(deps, job.data.importId);
      } catch (error) {
        const lastAttempt = job.retryCount >= job.retryLimit;
        deps.logger.error('Contact import attempt failed', { importId: job.data.importId, attempt: job.retryCount + 1, lastAttempt, error });
        if (lastAttempt) {
          const row = await deps.db.selectFrom('contact_imports').selectAll().where('id', '=', job.data.importId).executeTakeFirst();
          if (row) {
            await finishImport(
              deps,
              row,
              'failed',
              `The import stopped after ${row.processed_rows.toLocaleString('en')} of ${row.total_rows.toLocaleString('en')} rows on an unexpected error, and retrying did not help. The rows imported so far are kept.`,
            );
          }
        }
        // pg-boss retries with backoff; the next attempt resumes after the last committed batch.
        throw error;
      }
    },
  );
}
