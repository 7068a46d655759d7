import { type ContactImportsTable, type Database, type Db, type Selectable, sql, type Transaction } from '@steward/db';
import { workspaceRoleCan } from '../../../access/matrix.js';
import { type JobQueue, QUEUES } from '../../../email/jobs.js';
import { AppError, notFound } from '../../../errors.js';
import { type Actor, recordAudit } from '../../audit/record.js';
import { planContactUpserts, type RecordCaller } from '../contacts.js';
import { visibleDefinitions } from '../filters.js';
import { firstRecords, type CsvRecord, type Delimiter } from './csv-file.js';
import type { ImportedConsent } from '../../consent/imported.js';
import { consentLabel, type ImportCategory, problemsByColumn, type ResolvedColumn, resolveMapping, rowFromCells, suggestMapping, type ImportProblem } from './mapping.js';
import { BUILT_IN_LABELS, type ColumnTarget, IMPORT_BUILT_INS, type ImportStatus, MAX_ACTIVE_IMPORTS, PREVIEW_ROWS, SAMPLE_ROWS } from './schemas.js';

/**
 * CSV imports of contacts, as the console drives them: upload (routes.ts), inspect the columns,
 * preview a mapping on the first rows, start, follow, cancel. The job that does the work is
 * run-import.ts. An import is seen by whoever started it and by the workspace's admins.
 */

export type ImportRow = Selectable<ContactImportsTable>;

export const rejectedRowsPath = (importId: string) => `/files/contact-imports/${importId}/rejected-rows.csv`;

export function toImportStatus(row: ImportRow): ImportStatus {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    fileName: row.file_name,
    fileBytes: row.file_bytes,
    state: row.state,
    failureReason: row.failure_reason,
    totalRows: row.total_rows,
    processedRows: row.processed_rows,
    created: row.created_count,
    updated: row.updated_count,
    linked: row.linked_count,
    rejected: row.rejected_count,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    rejectedRowsUrl: row.rejected_count > 0 ? rejectedRowsPath(row.id) : null,
  };
}

/** The imports of this workspace the caller may see: their own, or all of them for its admins. */
function visibleImports(db: Db | Transaction<Database>, caller: RecordCaller) {
  let query = db.selectFrom('contact_imports').selectAll().where('organisation_id', '=', caller.place.organisationId).where('workspace_id', '=', caller.place.workspaceId);
  if (!workspaceRoleCan(caller.role, 'records.editAny')) query = query.where('created_by', '=', caller.userId);
  return query;
}

export async function findImport(db: Db | Transaction<Database>, caller: RecordCaller, importId: string, options: { lock?: boolean } = {}): Promise<ImportRow> {
  let query = visibleImports(db, caller).where('id', '=', importId);
  if (options.lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Import');
  return row;
}

export async function getImport(db: Db, caller: RecordCaller, importId: string) {
  return toImportStatus(await findImport(db, caller, importId));
}

export async function listImports(db: Db, caller: RecordCaller) {
  const rows = await visibleImports(db, caller).where('state', '!=', 'uploading').orderBy('created_at', 'desc').limit(20).execute();
  return { items: rows.map(toImportStatus) };
}

function assertUploaded(row: ImportRow) {
  if (row.state === 'uploading') throw new AppError('CONFLICT', 'The file is still being uploaded.');
}

/** The workspace's email categories, for consent columns (archived ones too: they take opt-outs). */
export async function importCategories(db: Db | Transaction<Database>, workspaceId: string): Promise<ImportCategory[]> {
  return db
    .selectFrom('email_categories')
    .select(['id', 'name', sql<boolean>`archived_at is not null`.as('archived')])
    .where('workspace_id', '=', workspaceId)
    .orderBy('position')
    .orderBy('name')
    .execute();
}

/** Everything a column can be mapped to here: the built-ins, the fields in their order, then consent. */
async function mappingTargets(db: Db, caller: RecordCaller) {
  const [fields, categories] = await Promise.all([visibleDefinitions(db, caller.place, 'contact'), importCategories(db, caller.place.workspaceId)]);
  const choice = ['subscribed', 'unsubscribed'];
  const targets = [
    ...IMPORT_BUILT_INS.map((builtIn) => ({ target: { builtIn }, label: BUILT_IN_LABELS[builtIn], type: builtIn === 'email' ? 'email' : 'text', required: false, options: [] as string[] })),
    ...fields.map((f) => ({ target: { field: f.key }, label: f.label, type: f.type, required: f.required, options: f.options.filter((o) => !o.archived).map((o) => o.label) })),
    { target: { consent: 'global' as const }, label: consentLabel({ level: 'global' }), type: 'consent', required: false, options: ['yes', 'no'] },
    { target: { consent: 'workspace' as const }, label: consentLabel({ level: 'workspace' }), type: 'consent', required: false, options: [...choice, 'neutral'] },
    ...categories.map((category) => ({
      target: { consent: 'category' as const, categoryId: category.id },
      label: consentLabel({ level: 'category', category }) + (category.archived ? ' (archived)' : ''),
      type: 'consent',
      required: false,
      options: category.archived ? ['unsubscribed'] : choice,
    })),
  ];
  return { fields, categories, targets };
}

/** The headers, the first rows, what the columns can be mapped to, and a guess at the mapping. */
export async function inspectImport(db: Db, caller: RecordCaller, importId: string) {
  const row = await findImport(db, caller, importId);
  assertUploaded(row);
  const [records, { fields, categories, targets }] = await Promise.all([firstRecords(db, row.id, row.delimiter, SAMPLE_ROWS), mappingTargets(db, caller)]);
  return {
    import: toImportStatus(row),
    delimiter: row.delimiter,
    headers: row.headers,
    rows: records.slice(1).map((r) => r.cells),
    targets,
    suggestedMapping: (row.mapping as ColumnTarget[] | null) ?? suggestMapping(row.headers, fields, categories),
  };
}

/** A pending row of the file: its record, and the email it is matched by (for duplicates within the file). */
export interface PlannedRecord {
  record: CsvRecord;
  row: Record<string, unknown> | null;
  /** What the row's consent columns ask for (applied once the row is written). */
  consent: ImportedConsent | null;
  problems: ImportProblem[];
}

/**
 * Turns records into bulk-upsert rows, refusing those that cannot be one: a cell count unlike the
 * header's, nothing mapped, or an email an earlier row of the file already has (each person once
 * per file; `firstRowOf` carries the emails seen so far across batches).
 */
export function planRecords(records: CsvRecord[], headers: string[], columns: ResolvedColumn[], firstRowOf: Map<string, number>): PlannedRecord[] {
  const emailColumn = columns.find((c) => 'builtIn' in c && c.builtIn === 'email');
  return records.map((record) => {
    const converted = rowFromCells(record.cells, headers.length, columns);
    if ('problem' in converted) return { record, row: null, consent: null, problems: [{ column: converted.column ?? null, field: converted.field ?? 'row', message: converted.problem }] };
    const email = emailColumn ? record.cells[emailColumn.index]!.trim().toLowerCase() : '';
    if (email) {
      const first = firstRowOf.get(email);
      if (first !== undefined) {
        return { record, row: null, consent: null, problems: [{ column: emailColumn!.index, field: 'email', message: `The email ${email} is also in row ${first}; a file may hold each person once.` }] };
      }
      firstRowOf.set(email, record.rowNumber);
    }
    return { record, row: converted.row, consent: converted.consent, problems: [] };
  });
}

/**
 * The first rows with the given mapping, checked exactly as the import will check them (the same
 * conversion, then `planContactUpserts`: the bulk upsert's matching and validation, written
 * nowhere), each with its outcome and its problems by column.
 */
export async function previewImport(db: Db, caller: RecordCaller, importId: string, mapping: ColumnTarget[]) {
  const row = await findImport(db, caller, importId);
  assertUploaded(row);
  const [records, fields, categories] = await Promise.all([
    firstRecords(db, row.id, row.delimiter as Delimiter, PREVIEW_ROWS),
    visibleDefinitions(db, caller.place, 'contact'),
    importCategories(db, caller.place.workspaceId),
  ]);
  const columns = resolveMapping(row.headers, mapping, fields, categories);
  const planned = planRecords(records.slice(1), row.headers, columns, new Map());
  const valid = planned.filter((p) => p.row !== null);
  const results = valid.length ? await planContactUpserts(db, caller, valid.map((p) => p.row!)) : [];
  const outcomes = new Map(valid.map((p, i) => [p, results[i]!]));
  return {
    rows: planned.map((p) => {
      const outcome = outcomes.get(p);
      const problems = outcome ? problemsByColumn(outcome.errors, columns) : p.problems;
      return { rowNumber: p.record.rowNumber, cells: p.record.cells, status: outcome?.status ?? ('error' as const), errors: problems };
    }),
  };
}

/** Imports waiting or running in a workspace are counted under this lock, so two starts cannot both pass. */
const lockWorkspaceImports = (trx: Transaction<Database>, workspaceId: string) => sql`select pg_advisory_xact_lock(hashtext(${`contact-imports:${workspaceId}`}))`.execute(trx);

/** Starts the import with this mapping: the job is queued in the same transaction, and audited. */
export async function startImport(deps: { db: Db; jobs: JobQueue }, actor: Actor, caller: RecordCaller, importId: string, mapping: ColumnTarget[]) {
  return deps.db.transaction().execute(async (trx) => {
    await lockWorkspaceImports(trx, caller.place.workspaceId);
    const row = await findImport(trx, caller, importId, { lock: true });
    assertUploaded(row);
    if (row.state !== 'uploaded') throw new AppError('CONFLICT', 'This import has already been started.');
    const fields = await visibleDefinitions(trx, caller.place, 'contact');
    const columns = resolveMapping(row.headers, mapping, fields, await importCategories(trx, caller.place.workspaceId));
    const { active } = await trx
      .selectFrom('contact_imports')
      .select((eb) => eb.fn.countAll<number>().as('active'))
      .where('workspace_id', '=', caller.place.workspaceId)
      .where('state', 'in', ['queued', 'running'])
      .executeTakeFirstOrThrow();
    if (active >= MAX_ACTIVE_IMPORTS) {
      throw new AppError('TOO_MANY_REQUESTS', `${active} imports are already waiting or running in this workspace. Start this one when one of them has finished.`);
    }
    const started = await trx
      .updateTable('contact_imports')
      .set({ state: 'queued', mapping: JSON.stringify(mapping), updated_at: sql`now()` })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await deps.jobs.enqueue(trx, QUEUES.contactImport, { importId: row.id });
    await recordAudit(trx, actor, {
      organisationId: caller.place.organisationId,
      workspaceId: caller.place.workspaceId,
      action: 'contacts.imports.start',
      targetType: 'contact_import',
      targetId: row.id,
      after: {
        fileName: row.file_name,
        totalRows: row.total_rows,
        columns: columns.map((c) => ({ column: c.header, to: 'builtIn' in c ? c.builtIn : 'field' in c ? c.field.key : consentLabel(c.consent) })),
      },
    });
    return toImportStatus(started);
  });
}

/**
 * Stops an import that has not ended. Contacts already written stay (each batch was whole); the
 * stored file goes at once, and a running job stops before its next batch.
 */
export async function cancelImport(db: Db, actor: Actor, caller: RecordCaller, importId: string) {
  return db.transaction().execute(async (trx) => {
    const row = await findImport(trx, caller, importId, { lock: true });
    assertUploaded(row);
    if (row.state === 'completed' || row.state === 'failed' || row.state === 'cancelled') throw new AppError('CONFLICT', `This import has already ${row.state === 'completed' ? 'completed' : row.state === 'failed' ? 'failed' : 'been cancelled'}.`);
    const cancelled = await trx
      .updateTable('contact_imports')
      .set({ state: 'cancelled', finished_at: sql`now()`, updated_at: sql`now()` })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx.deleteFrom('contact_import_chunks').where('import_id', '=', row.id).execute();
    await recordAudit(trx, actor, {
      organisationId: caller.place.organisationId,
      workspaceId: caller.place.workspaceId,
      action: 'contacts.imports.cancel',
      targetType: 'contact_import',
      targetId: row.id,
      before: { state: row.state, processedRows: row.processed_rows },
      after: { state: 'cancelled' },
    });
    return toImportStatus(cancelled);
  });
}

/** Uploads nobody started within a day go, with their files. */
export async function sweepAbandonedUploads(db: Db) {
  await db
    .deleteFrom('contact_imports')
    .where('state', 'in', ['uploading', 'uploaded'])
    .where('created_at', '<', sql<Date>`now() - interval '1 day'`)
    .execute();
}
