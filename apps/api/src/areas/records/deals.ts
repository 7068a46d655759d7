import { type Database, type Db, sql, type Transaction } from '@steward/db';
import { AppError, notFound } from '../../errors.js';
import { type Actor, recordAudit } from '../audit/record.js';
import { emitDealStageChanged } from '../webhooks/emit.js';
import type { RecordCaller } from './contacts.js';
import { type BuiltIn, compileFilters, countMatching, decodeCursor, encodeCursor, type RecordPlace, visibleDefinitions } from './filters.js';
import type { Filter } from './schemas.js';
import { assertMayEdit, refuse } from './ownership.js';
import { type FieldDefinition, validateValues, visibleValues } from './values.js';
import type { JobQueue } from '../../email/jobs.js';
import { notifyDealStageChanged } from '../notifications/events.js';

/** Deals belong to one workspace: a name, an amount with its currency, a company of that workspace, an owner. */

const dealColumns = [
  'id',
  'workspace_id as workspaceId',
  'name',
  'amount',
  'currency',
  'company_id as companyId',
  'owner_user_id as ownerUserId',
  'stage_id as stageId',
  'created_by as createdBy',
  'created_at as createdAt',
  'updated_at as updatedAt',
  'field_values',
] as const;

type DealRow = { amount: string | null; field_values: Record<string, unknown> } & Record<string, unknown>;
const toDeal = <R extends DealRow>({ field_values, amount, ...row }: R, fields: FieldDefinition[]) => ({ ...row, amount: amount === null ? null : Number(amount), values: visibleValues(fields, field_values) });

const DEAL_BUILT_INS: Record<string, BuiltIn> = {
  name: { type: 'text', column: 'd.name', emptyIsUnset: true },
  amount: { type: 'number', column: 'd.amount' },
  currency: { type: 'text', column: 'd.currency' },
  companyId: { type: 'id', column: 'd.company_id' },
  ownerUserId: { type: 'id', column: 'd.owner_user_id' },
  stageId: { type: 'id', column: 'd.stage_id' },
};

/** Lists and searches a workspace's deals: filters ANDed, keyset pages newest first. */
export async function searchDeals(db: Db, place: RecordPlace, input: { filters: Filter[]; limit: number; cursor?: string }) {
  const fields = await visibleDefinitions(db, place, 'deal');
  const conditions = compileFilters(input.filters, DEAL_BUILT_INS, fields, () => 'd.field_values');
  const after = decodeCursor(input.cursor);
  let matching = db.selectFrom('deals as d').where('d.workspace_id', '=', place.workspaceId).where('d.organisation_id', '=', place.organisationId);
  for (const condition of conditions) matching = matching.where(condition);
  let page = matching
    .select(dealColumns.map((c) => `d.${c}` as const))
    .select(sql<string>`d.created_at::text`.as('cursorAt'))
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id', 'desc')
    .limit(input.limit + 1);
  if (after) page = page.where(sql<boolean>`(d.created_at, d.id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  const [rows, totals] = await Promise.all([page.execute(), countMatching(db, matching.select(sql.lit(1).as('one')))]);
  const items = rows.slice(0, input.limit);
  const last = items.at(-1);
  return {
    items: items.map(({ cursorAt: _c, ...row }) => toDeal(row, fields)),
    nextCursor: rows.length > input.limit && last ? encodeCursor(last.cursorAt, last.id) : null,
    ...totals,
  };
}

async function readDeal(db: Db | Transaction<Database>, place: RecordPlace, dealId: string, lock = false) {
  let query = db.selectFrom('deals').select(dealColumns).where('id', '=', dealId).where('workspace_id', '=', place.workspaceId).where('organisation_id', '=', place.organisationId);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Deal');
  return row;
}

export async function getDeal(db: Db, place: RecordPlace, dealId: string) {
  return toDeal(await readDeal(db, place, dealId), await visibleDefinitions(db, place, 'deal'));
}

interface DealInput {
  name?: string;
  amount?: number | null;
  currency?: string | null;
  companyId?: string | null;
  ownerUserId?: string | null;
  stageId?: string | null;
  values?: Record<string, unknown>;
}

/** The company must be one of this workspace's, the owner a member of the organisation. */
async function assertReferences(trx: Transaction<Database>, place: RecordPlace, input: DealInput) {
  if (input.companyId) {
    const company = await trx.selectFrom('companies').select('id').where('id', '=', input.companyId).where('workspace_id', '=', place.workspaceId).executeTakeFirst();
    if (!company) throw new AppError('BAD_REQUEST', 'The company must be one of this workspace’s companies.');
  }
  if (input.ownerUserId) {
    const member = await trx.selectFrom('memberships').select('user_id').where('organisation_id', '=', place.organisationId).where('user_id', '=', input.ownerUserId).executeTakeFirst();
    if (!member) throw new AppError('BAD_REQUEST', 'The owner must be a member of this organisation.');
  }
  if (input.stageId) {
    const stage = await trx.selectFrom('pipeline_stages').select('id').where('id', '=', input.stageId).where('workspace_id', '=', place.workspaceId).executeTakeFirst();
    if (!stage) throw new AppError('BAD_REQUEST', 'The stage must be one of this workspace’s pipeline stages.');
  }
}

export async function createDeal(db: Db, actor: Actor, caller: RecordCaller, input: DealInput & { name: string }) {
  return db.transaction().execute(async (trx) => {
    const fields = await visibleDefinitions(trx, caller.place, 'deal');
    await assertReferences(trx, caller.place, input);
    const checked = validateValues(fields, input.values, {});
    if (!checked.ok) throw refuse(checked.problems);
    const row = await trx
      .insertInto('deals')
      .values({
        organisation_id: caller.place.organisationId,
        workspace_id: caller.place.workspaceId,
        name: input.name,
        amount: input.amount ?? null,
        currency: input.currency ?? null,
        company_id: input.companyId ?? null,
        owner_user_id: input.ownerUserId ?? null,
        stage_id:
          input.stageId === undefined
            ? sql<string | null>`(select id from pipeline_stages where workspace_id = ${caller.place.workspaceId}::uuid and kind = 'open' order by position limit 1)`
            : input.stageId,
        field_values: JSON.stringify(checked.merged),
        created_by: caller.userId,
      })
      .returning(dealColumns)
      .executeTakeFirstOrThrow();
    const created = toDeal(row, fields);
    await recordAudit(trx, actor, { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, action: 'deals.create', targetType: 'deal', targetId: row.id, after: created });
    return created;
  });
}

export async function updateDeal(db: Db, actor: Actor, caller: RecordCaller, dealId: string, input: DealInput, jobs: JobQueue) {
  return db.transaction().execute(async (trx) => {
    const fields = await visibleDefinitions(trx, caller.place, 'deal');
    const current = await readDeal(trx, caller.place, dealId, true);
    assertMayEdit(caller, { created_by: current.createdBy, owner_user_id: current.ownerUserId });
    await assertReferences(trx, caller.place, input);
    const checked = validateValues(fields, input.values, current.field_values);
    if (!checked.ok) throw refuse(checked.problems);
    const row = await trx
      .updateTable('deals')
      .set({
        name: input.name,
        amount: input.amount,
        currency: input.currency,
        company_id: input.companyId,
        owner_user_id: input.ownerUserId,
        stage_id: input.stageId,
        field_values: JSON.stringify(checked.merged),
        updated_at: sql`now()`,
      })
      .where('id', '=', dealId)
      .returning(dealColumns)
      .executeTakeFirstOrThrow();
    const after = toDeal(row, fields);
    await recordAudit(trx, actor, { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, action: 'deals.update', targetType: 'deal', targetId: dealId, before: toDeal(current, fields), after });
    await notifyDealStageChanged(trx, jobs, { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, dealId, dealName: row.name, ownerUserId: row.ownerUserId, fromStageId: current.stageId, toStageId: row.stageId, actorUserId: caller.userId });
    if (current.stageId !== row.stageId) await emitDealStageChanged(trx, caller.place, { deal: after, fromStageId: current.stageId, toStageId: row.stageId });
    return after;
  });
}

export async function deleteDeal(db: Db, actor: Actor, caller: RecordCaller, dealId: string) {
  return db.transaction().execute(async (trx) => {
    const current = await readDeal(trx, caller.place, dealId, true);
    assertMayEdit(caller, { created_by: current.createdBy, owner_user_id: current.ownerUserId });
    await trx.deleteFrom('deals').where('id', '=', dealId).execute();
    await recordAudit(trx, actor, { organisationId: caller.place.organisationId, workspaceId: caller.place.workspaceId, action: 'deals.delete', targetType: 'deal', targetId: dealId, before: { name: current.name } });
    return { dealId };
  });
}
