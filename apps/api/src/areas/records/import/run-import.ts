import { type Db, sql } from '@steward/db';
import { workspaceRoleCan } from '../../../access/matrix.js';
import { resolveWorkspaceAccess } from '../../../access/roles.js';
import { type JobQueue, QUEUES } from '../../../email/jobs.js';
import { AppError } from '../../../errors.js';
import type { Logger } from '../../../logger.js';
import { recordAudit } from '../../audit/record.js';
import { type RecordCaller, upsertContacts } from '../contacts.js';
import { visibleDefinitions } from '../filters.js';
import { type CsvRecord, storedRecords } from './csv-file.js';
import { type ImportRow, planRecords } from './imports.js';
import { type ImportProblem, problemsByColumn, type ResolvedColumn, rejectionText, resolveMapping } from './mapping.js';
import { BATCH_ROWS, type ColumnTarget } from './schemas.js';

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
    columns = resolveMapping(row.headers, row.mapping as ColumnTarget[], await visibleDefinitions(db, caller.place, 'contact'));
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

  try {
    let committed = row.processed_rows;
    let skip = committed;
    const firstRowOf = new Map<string, number>();
    let batch: CsvRecord[] = [];
    let header = true;
    for await (const record of storedRecords(db, row.id, row.delimiter)) {
      if (header) {
        header = false;
        continue;
      }
      if (skip > 0) {
        // Committed by an earlier attempt; its emails still count as seen.
        planRecords([record], row.headers, columns, firstRowOf);
        skip--;
        continue;
      }
      batch.push(record);
      if (batch.length === BATCH_ROWS) {
        await commitBatch(db, row, caller, columns, planRecords(batch, row.headers, columns, firstRowOf), committed);
        committed += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0) await commitBatch(db, row, caller, columns, planRecords(batch, row.headers, columns, firstRowOf), committed);
  } catch (error) {
    if (error instanceof ImportStopped) return 'stopped';
    throw error;
  }
  return (await finishImport(deps, row, 'completed')) ? 'completed' : 'stopped';
}

/** One batch, whole or not at all: its contacts, its rejected rows, and the counters that say so. */
async function commitBatch(db: Db, row: ImportRow, caller: RecordCaller, columns: ResolvedColumn[], planned: ReturnType<typeof planRecords>, offset: number) {
  await db.transaction().execute(async (trx) => {
    const now = await trx.selectFrom('contact_imports').select(['state', 'processed_rows']).where('id', '=', row.id).forUpdate().executeTakeFirst();
    if (!now || now.state !== 'running' || now.processed_rows !== offset) throw new ImportStopped();

    const valid = planned.filter((p) => p.row !== null);
    const outcome = valid.length ? await upsertContacts(trx, caller, valid.map((p) => p.row!)) : { results: [], created: 0, updated: 0, linked: 0, failed: 0 };
    const problemsOf = new Map<(typeof planned)[number], ImportProblem[]>(valid.map((p, i) => [p, problemsByColumn(outcome.results[i]!.errors, columns)]));
    const rejected = planned.flatMap((p) => {
      const problems = problemsOf.get(p) ?? p.problems;
      return problems.length ? [{ import_id: row.id, row_number: p.record.rowNumber, cells: JSON.stringify(p.record.cells), error: rejectionText(problems, row.headers) }] : [];
    });
    // The rejections commit with the counter: a resumed import never records a row twice.
    if (rejected.length) await trx.insertInto('contact_import_rejections').values(rejected).execute();
    await trx
      .updateTable('contact_imports')
      .set((eb) => ({
        processed_rows: eb('processed_rows', '+', planned.length),
        created_count: eb('created_count', '+', outcome.created),
        updated_count: eb('updated_count', '+', outcome.updated),
        linked_count: eb('linked_count', '+', outcome.linked),
        rejected_count: eb('rejected_count', '+', rejected.length),
        updated_at: sql`now()`,
      }))
      .where('id', '=', row.id)
      .execute();
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
