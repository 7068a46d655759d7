import { type Db, sql } from '@steward/db';
import { notFound } from '../../errors.js';
import { type Actor, recordAudit } from '../audit/record.js';
import type { RecordCaller } from './contacts.js';
import { type BuiltIn, compileFilters, countMatching, decodeCursor, encodeCursor, type RecordPlace, visibleDefinitions } from './filters.js';
import type { Filter } from './schemas.js';
import { assertMayEdit, refuse } from './ownership.js';
import { validateValues, visibleValues } from './values.js';

/** Companies belong to one workspace; their custom values (every scope visible there) live on the row. */

const companyColumns = ['id', 'workspace_id as workspaceId', 'name', 'domain', 'created_by as createdBy', 'created_at as createdAt', 'updated_at as updatedAt', 'field_values'] as const;

const COMPANY_BUILT_INS: Record<string, BuiltIn> = {
  name: { type: 'text', column: 'co.name', emptyIsUnset: true },
  domain: { type: 'text', column: 'co.domain', lowercase: true },
};

/** Lists and searches a workspace's companies: filters ANDed, keyset pages newest first. */
export async function searchCompanies(db: Db, place: RecordPlace, input: { filters: Filter[]; limit: number; cursor?: string }) {
  const fields = await visibleDefinitions(db, place, 'company');
  const conditions = compileFilters(input.filters, COMPANY_BUILT_INS, fields, () => 'co.field_values');
  const after = decodeCursor(input.cursor);
  let matching = db.selectFrom('companies as co').where('co.workspace_id', '=', place.workspaceId).where('co.organisation_id', '=', place.organisationId);
  for (const condition of conditions) matching = matching.where(condition);
  let page = matching
    .select(companyColumns.map((c) => `co.${c}` as const))
    .select(sql<string>`co.created_at::text`.as('cursorAt'))
    .orderBy('co.created_at', 'desc')
    .orderBy('co.id', 'desc')
    .limit(input.limit + 1);
  if (after) page = page.where(sql<boolean>`(co.created_at, co.id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  const [rows, totals] = await Promise.all([page.execute(), countMatching(db, matching.select(sql.lit(1).as('one')))]);
  const items = rows.slice(0, input.limit);
  const last = items.at(-1);
  return {
    items: items.map(({ cursorAt: _c, field_values, ...row }) => ({ ...row, values: visibleValues(fields, field_values) })),
    nextCursor: rows.length > input.limit && last ? encodeCursor(last.cursorAt, last.id) : null,
    ...totals,
  };
}

async function readCompany(db: Db, place: RecordPlace, companyId: string, lock = false) {
  let query = db.selectFrom('companies').select(companyColumns).where('id', '=', companyId).where('workspace_id', '=', place.workspaceId).where('organisation_id', '=', place.organisationId);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Company');
  return row;
}

export async function getCompany(db: Db, place: RecordPlace, companyId: string) {
  const fields = await visibleDefinitions(db, place, 'company');
  const { field_values, ...row } = await readCompany(db, place, companyId);
  return { ...row, values: visibleValues(fields, field_values) };
}

export async function createCompany(db: Db, actor: Actor, caller: RecordCaller, input: { name: string; domain?: string | null; values?: Record<string, unknown> }) {
  return db.transaction().execute(async (trx) => {
    const fields = await visibleDefinitions(trx, caller.place, 'company');
    const checked = validateValues(fields, input.values, {});
    if (!checked.ok) throw refuse(checked.problems);
    const { field_values, ...row } = await trx
      .insertInto('companies')
      .values({ organisation_id: caller.place.organisationId, workspace_id: caller.place.workspaceId, name: input.name, domain: input.domain ?? null, field_values: JSON.stringify(checked.merged), created_by: caller.userId })
      .returning(companyColumns)
      .executeTakeFirstOrThrow();
    const created = { ...row, values: visibleValues(fields, field_values) };
    await recordAudit(trx, actor, { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, action: 'companies.create', targetType: 'company', targetId: row.id, after: created });
    return created;
  });
}

export async function updateCompany(db: Db, actor: Actor, caller: RecordCaller, companyId: string, input: { name?: string; domain?: string | null; values?: Record<string, unknown> }) {
  return db.transaction().execute(async (trx) => {
    const fields = await visibleDefinitions(trx, caller.place, 'company');
    const current = await readCompany(trx, caller.place, companyId, true);
    assertMayEdit(caller, { created_by: current.createdBy });
    const checked = validateValues(fields, input.values, current.field_values);
    if (!checked.ok) throw refuse(checked.problems);
    const { field_values, ...row } = await trx
      .updateTable('companies')
      .set({ name: input.name, domain: input.domain, field_values: JSON.stringify(checked.merged), updated_at: sql`now()` })
      .where('id', '=', companyId)
      .returning(companyColumns)
      .executeTakeFirstOrThrow();
    const after = { ...row, values: visibleValues(fields, field_values) };
    const { field_values: before, ...previous } = current;
    await recordAudit(trx, actor, { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, action: 'companies.update', targetType: 'company', targetId: companyId, before: { ...previous, values: visibleValues(fields, before) }, after });
    return after;
  });
}

export async function deleteCompany(db: Db, actor: Actor, caller: RecordCaller, companyId: string) {
  return db.transaction().execute(async (trx) => {
    const current = await readCompany(trx, caller.place, companyId, true);
    assertMayEdit(caller, { created_by: current.createdBy });
    await trx.deleteFrom('companies').where('id', '=', companyId).execute();
    await recordAudit(trx, actor, { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, action: 'companies.delete', targetType: 'company', targetId: companyId, before: { name: current.name, domain: current.domain } });
    return { companyId };
  });
}
