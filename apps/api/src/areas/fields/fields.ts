import { randomBytes } from 'node:crypto';
import {
  type Database,
  type Db,
  type FieldEntity,
  type FieldOption,
  type FieldScope,
  type FieldType,
  type OrgRole,
  sql,
  type Transaction,
} from '@steward/db';
import type { ExpressionBuilder } from 'kysely';
import { orgRoleCan } from '../../access/matrix.js';
import { AppError, notFound } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { type Actor, recordAudit } from '../audit/record.js';
import { buildFieldIndex, dropFieldIndex, inBackground, purgeFieldValues, safeKey, valuesTableOf } from './storage.js';

/**
 * Custom field definitions (SPEC §3). Scopes: `core` (organisation admins; every workspace),
 * `global_internal` (organisation admins; the global workspace only), `workspace` (that
 * workspace's admins; that workspace only). Keys are generated from the label, immutable, and
 * never reused in the organisation. Options carry their own ids, so renaming, reordering and
 * archiving them changes the definition only, never a record row.
 */

/** Where the caller stands: the workspace the request names, and their organisation role. */
export interface FieldsPlace {
  organisationId: string;
  workspaceId: string;
  kind: 'global' | 'chapter';
  orgRole: OrgRole;
}

export interface FieldsDeps {
  db: Db;
  logger: Logger;
}

const fieldColumns = [
  'id',
  'entity',
  'scope',
  'workspace_id as workspaceId',
  'key',
  'label',
  'description',
  'type',
  'required',
  'position',
  'options',
  'index_status as indexStatus',
  'created_at as createdAt',
  'updated_at as updatedAt',
] as const;

/** Built-in record attributes: a custom field's key may not shadow them. */
const RESERVED_KEYS = new Set(['id', 'email', 'phone', 'country', 'language', 'name', 'domain', 'amount', 'currency', 'company', 'owner', 'assignee', 'values', 'first_name', 'last_name', 'created_at', 'updated_at']);

/** The definitions visible in a workspace: core ones, global-internal ones in the global workspace, and its own. */
export function visibleIn(place: { organisationId: string; workspaceId: string; kind: 'global' | 'chapter' }) {
  return (eb: ExpressionBuilder<Database, 'field_definitions'>) =>
    eb.and([
      eb('field_definitions.organisation_id', '=', place.organisationId),
      eb.or([
        eb('field_definitions.scope', '=', 'core'),
        ...(place.kind === 'global' ? [eb('field_definitions.scope', '=', 'global_internal')] : []),
        eb.and([eb('field_definitions.scope', '=', 'workspace'), eb('field_definitions.workspace_id', '=', place.workspaceId)]),
      ]),
    ]);
}

export async function listFields(db: Db | Transaction<Database>, place: FieldsPlace | Omit<FieldsPlace, 'orgRole'>, entity?: FieldEntity) {
  let query = db.selectFrom('field_definitions').select(fieldColumns).where(visibleIn(place));
  if (entity) query = query.where('entity', '=', entity);
  return query.orderBy('entity').orderBy('position').orderBy('created_at').execute();
}

function assertMayManageScope(place: FieldsPlace, scope: FieldScope) {
  if (scope !== 'workspace' && !orgRoleCan(place.orgRole, 'fields.manageCore')) {
    throw new AppError('FORBIDDEN', 'Core and global-internal fields are managed by organisation admins.');
  }
}

function keyBaseFrom(label: string): string {
  const ascii = label.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  let base = ascii.replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40).replace(/_+$/, '');
  if (!/^[a-z]/.test(base)) base = `f_${base}`.replace(/_+$/, '');
  if (base === 'f') base = 'field';
  return RESERVED_KEYS.has(base) ? `${base}_field` : base;
}

/** Reserves a key never used before in the organisation: `budget`, then `budget_2`, `budget_3`… */
async function reserveKey(trx: Transaction<Database>, organisationId: string, label: string): Promise<string> {
  const base = keyBaseFrom(label);
  // A concurrent creation may take the same key between our read and insert; then look again.
  for (let attempt = 0; attempt < 5; attempt++) {
    const taken = await trx
      .selectFrom('field_keys')
      .select('key')
      .where('organisation_id', '=', organisationId)
      .where((eb) => eb.or([eb('key', '=', base), eb('key', 'like', `${base}\\_%`)]))
      .execute();
    const used = new Set(taken.map((t) => t.key));
    let key = base;
    for (let n = 2; used.has(key); n++) key = `${base}_${n}`;
    const inserted = await trx
      .insertInto('field_keys')
      .values({ organisation_id: organisationId, key: safeKey(key) })
      .onConflict((oc) => oc.doNothing())
      .returning('key')
      .executeTakeFirst();
    if (inserted) return inserted.key;
  }
  throw new AppError('CONFLICT', 'Other fields with the same label are being created right now. Try again.');
}

const newOptionId = () => `opt_${randomBytes(6).toString('hex')}`;
const isSelect = (type: FieldType) => type === 'select' || type === 'multi_select';

function assertDistinctLabels(options: { label: string }[]) {
  const seen = new Set<string>();
  for (const o of options) {
    const l = o.label.toLowerCase();
    if (seen.has(l)) throw new AppError('BAD_REQUEST', `The option '${o.label}' is listed twice.`);
    seen.add(l);
  }
}

/** The records a field applies to that hold no value for it (for "required"). */
async function countMissing(db: Db | Transaction<Database>, organisationId: string, field: { key: string; entity: FieldEntity; scope: FieldScope; workspace_id: string | null }) {
  const key = field.key;
  const global = () =>
    db.selectFrom('workspaces').select('id').where('organisation_id', '=', organisationId).where('kind', '=', 'global');
  const counted = (row: { n: string | number | bigint }) => Number(row.n);
  if (field.entity === 'contact' && field.scope === 'workspace') {
    return counted(
      await db
        .selectFrom('contact_workspaces')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('workspace_id', '=', field.workspace_id!)
        .where(sql<boolean>`not field_values ? ${key}`)
        .executeTakeFirstOrThrow(),
    );
  }
  if (field.entity === 'contact') {
    return counted(
      await db
        .selectFrom('contacts as c')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('c.organisation_id', '=', organisationId)
        .where(sql<boolean>`not c.field_values ? ${key}`)
        .where(({ exists, selectFrom }) => {
          let links = selectFrom('contact_workspaces as cw').select('cw.contact_id').whereRef('cw.contact_id', '=', 'c.id');
          if (field.scope === 'global_internal') links = links.where('cw.workspace_id', 'in', global());
          return exists(links);
        })
        .executeTakeFirstOrThrow(),
    );
  }
  let q = db
    .selectFrom(field.entity === 'company' ? 'companies' : 'deals')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('organisation_id', '=', organisationId)
    .where(sql<boolean>`not field_values ? ${key}`);
  if (field.scope === 'workspace') q = q.where('workspace_id', '=', field.workspace_id!);
  if (field.scope === 'global_internal') q = q.where('workspace_id', 'in', global());
  return counted(await q.executeTakeFirstOrThrow());
}

/** How many records hold a value of the field. */
async function countHolding(db: Db | Transaction<Database>, organisationId: string, field: { key: string; entity: FieldEntity; scope: FieldScope }) {
  const table = valuesTableOf(field);
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('organisation_id', '=', organisationId)
    .where(sql<boolean>`field_values ? ${sql.lit(safeKey(field.key))}`)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function createField(
  { db, logger }: FieldsDeps,
  actor: Actor,
  place: FieldsPlace,
  input: { entity: FieldEntity; label: string; type: FieldType; scope: FieldScope; description?: string; required: boolean; position?: number; options?: { label: string }[] },
) {
  assertMayManageScope(place, input.scope);
  if (input.options && input.options.length > 0 && !isSelect(input.type)) {
    throw new AppError('BAD_REQUEST', `Only select and multi-select fields have options; '${input.label}' is a ${input.type} field.`);
  }
  assertDistinctLabels(input.options ?? []);
  const created = await db.transaction().execute(async (trx) => {
    const key = await reserveKey(trx, place.organisationId, input.label);
    const position =
      input.position ??
      Number(
        (
          await trx
            .selectFrom('field_definitions')
            .select((eb) => eb.fn.coalesce(eb.fn.max('position'), eb.lit(-1)).as('p'))
            .where(visibleIn(place))
            .where('entity', '=', input.entity)
            .executeTakeFirstOrThrow()
        ).p,
      ) + 1;
    const options: FieldOption[] = (input.options ?? []).map((o) => ({ id: newOptionId(), label: o.label, archived: false }));
    const field = await trx
      .insertInto('field_definitions')
      .values({
        organisation_id: place.organisationId,
        entity: input.entity,
        scope: input.scope,
        workspace_id: input.scope === 'workspace' ? place.workspaceId : null,
        key,
        label: input.label,
        description: input.description ?? null,
        type: input.type,
        required: input.required,
        position,
        options: JSON.stringify(options),
        index_status: input.type === 'boolean' ? 'none' : 'building',
        created_by: actor.userId,
      })
      .returning(fieldColumns)
      .executeTakeFirstOrThrow();
    const recordsMissingValue = field.required ? await countMissing(trx, place.organisationId, { ...field, workspace_id: field.workspaceId }) : null;
    await recordAudit(trx, actor, { organisationId: place.organisationId, workspaceId: place.workspaceId, action: 'fields.create', targetType: 'field', targetId: field.id, after: field });
    return { ...field, recordsMissingValue };
  });
  if (created.indexStatus === 'building') {
    inBackground(logger, `index for field ${created.key}`, () => buildFieldIndex(db, created));
  }
  return created;
}

/** A field the caller may manage from this workspace, locked; NOT_FOUND when it is not visible here. */
async function manageableField(trx: Transaction<Database> | Db, place: FieldsPlace, fieldId: string, lock = true) {
  let query = trx.selectFrom('field_definitions').select([...fieldColumns, 'organisation_id']).where('id', '=', fieldId).where(visibleIn(place));
  if (lock) query = query.forUpdate();
  const field = await query.executeTakeFirst();
  if (!field) throw notFound('Field');
  assertMayManageScope(place, field.scope);
  return field;
}

export async function updateField(
  db: Db,
  actor: Actor,
  place: FieldsPlace,
  fieldId: string,
  input: { label?: string; description?: string | null; required?: boolean; position?: number; options?: { id?: string; label: string; archived?: boolean }[] },
) {
  return db.transaction().execute(async (trx) => {
    const before = await manageableField(trx, place, fieldId);
    let options: FieldOption[] | undefined;
    if (input.options) {
      if (!isSelect(before.type)) throw new AppError('BAD_REQUEST', `Only select and multi-select fields have options; '${before.label}' is a ${before.type} field.`);
      assertDistinctLabels(input.options);
      const existing = new Map(before.options.map((o) => [o.id, o]));
      const sent = new Set<string>();
      options = input.options.map((o) => {
        if (o.id === undefined) return { id: newOptionId(), label: o.label, archived: o.archived ?? false };
        if (!existing.has(o.id)) throw new AppError('BAD_REQUEST', `Field '${before.label}' has no option with the id '${o.id}'.`);
        if (sent.has(o.id)) throw new AppError('BAD_REQUEST', `The option '${o.label}' is listed twice.`);
        sent.add(o.id);
        return { id: o.id, label: o.label, archived: o.archived ?? existing.get(o.id)!.archived };
      });
      const missing = before.options.filter((o) => !sent.has(o.id));
      if (missing.length > 0) {
        throw new AppError('BAD_REQUEST', `Options cannot be removed, because records may hold them: archive '${missing[0]!.label}' instead.`);
      }
    }
    const { organisation_id: _org, ...previous } = before;
    const after = await trx
      .updateTable('field_definitions')
      .set({
        label: input.label,
        description: input.description,
        required: input.required,
        position: input.position,
        options: options ? JSON.stringify(options) : undefined,
        updated_at: sql`now()`,
      })
      .where('id', '=', fieldId)
      .returning(fieldColumns)
      .executeTakeFirstOrThrow();
    const recordsMissingValue = after.required ? await countMissing(trx, place.organisationId, { ...after, workspace_id: after.workspaceId }) : null;
    await recordAudit(trx, actor, { organisationId: place.organisationId, workspaceId: place.workspaceId, action: 'fields.update', targetType: 'field', targetId: fieldId, before: previous, after });
    return { ...after, recordsMissingValue };
  });
}

export async function previewFieldDeletion(db: Db, place: FieldsPlace, fieldId: string) {
  return db.transaction().execute(async (trx) => {
    const field = await manageableField(trx, place, fieldId);
    return { fieldId, key: field.key, label: field.label, recordsWithValue: await countHolding(trx, place.organisationId, field) };
  });
}

/**
 * Deletes a definition at once (its key stays reserved forever) and removes its values in the
 * background, in batches, without a long lock. Until then the values are invisible.
 */
export async function deleteField({ db, logger }: FieldsDeps, actor: Actor, place: FieldsPlace, fieldId: string) {
  const result = await db.transaction().execute(async (trx) => {
    const field = await manageableField(trx, place, fieldId);
    const recordsWithValue = await countHolding(trx, place.organisationId, field);
    await trx.deleteFrom('field_definitions').where('id', '=', fieldId).execute();
    const { organisation_id: _org, ...before } = field;
    const outcome = { fieldId, key: field.key, label: field.label, recordsWithValue, valuesRemoval: 'background' as const };
    await recordAudit(trx, actor, { organisationId: place.organisationId, workspaceId: place.workspaceId, action: 'fields.delete', targetType: 'field', targetId: fieldId, before, after: outcome });
    return { outcome, field };
  });
  const { field } = result;
  inBackground(logger, `removing values of field ${field.key}`, async () => {
    const removed = await purgeFieldValues(db, { id: field.id, organisationId: place.organisationId, key: field.key, type: field.type, entity: field.entity, scope: field.scope });
    logger.info('Removed the values of a deleted field', { fieldId: field.id, key: field.key, removed });
  });
  return result.outcome;
}

const SAFE_CONVERSIONS: Partial<Record<FieldType, FieldType[]>> = { number: ['text'], select: ['multi_select'], text: ['select'] };

/**
 * Changes a field's type where every value survives: number → text, select → multi-select,
 * text → select with a mapping of texts to options. A dry run counts what would not convert.
 */
export async function changeFieldType(
  { db, logger }: FieldsDeps,
  actor: Actor,
  place: FieldsPlace,
  fieldId: string,
  input: { type: FieldType; mapping?: { from: string; option: string }[]; dryRun: boolean },
) {
  // The old index goes first, concurrently and outside the conversion's transaction: its
  // expression may not hold for later values (a numeric cast), and dropping it inside the
  // transaction would wait on (and deadlock with) a concurrent build on the same table.
  const current = await manageableField(db, place, fieldId, false);
  const converts = SAFE_CONVERSIONS[current.type]?.includes(input.type) && (input.type !== 'select' || input.mapping !== undefined);
  if (!input.dryRun && converts) await dropFieldIndex(db, fieldId);
  const outcome = await db.transaction().execute((trx) => convertFieldValues(trx, actor, place, fieldId, input)).catch((error: unknown) => {
    if (!input.dryRun && converts) inBackground(logger, `index for field ${current.key}`, () => buildFieldIndex(db, current));
    throw error;
  });
  const { rebuild, ...answer } = outcome;
  if (rebuild) inBackground(logger, `index for field ${rebuild.key}`, () => buildFieldIndex(db, rebuild));
  return answer;
}

/** The conversion itself, in the caller's transaction: checks, counts, and (unless a dry run) rewrites the values in one statement. */
async function convertFieldValues(
  trx: Transaction<Database>,
  actor: Actor,
  place: FieldsPlace,
  fieldId: string,
  input: { type: FieldType; mapping?: { from: string; option: string }[]; dryRun: boolean },
) {
  const field = await manageableField(trx, place, fieldId);
  const from = field.type;
  const to = input.type;
  if (from === to) throw new AppError('BAD_REQUEST', `'${field.label}' is already a ${to} field.`);
  if (!SAFE_CONVERSIONS[from]?.includes(to)) {
    throw new AppError(
      'BAD_REQUEST',
      `A ${from} field cannot become a ${to} field: only number → text, select → multi-select and text → select (with a mapping) keep every value. Create a new field and copy what you need instead.`,
    );
  }
  if (to === 'select' && !input.mapping) throw new AppError('BAD_REQUEST', 'Changing text to select needs a mapping: which option each text becomes.');
  const table = valuesTableOf(field);
  const key = safeKey(field.key);
  const k = sql.lit(key);
  const path = sql.lit(`{${key}}`);
  const holding = () => sql<boolean>`organisation_id = ${place.organisationId}::uuid and field_values ? ${k}`;
  const recordsWithValue = await countHolding(trx, place.organisationId, field);

  let options = field.options;
  let mapping: Record<string, string> = {};
  if (to === 'select') {
    const labels = [...new Set(input.mapping!.map((m) => m.option))];
    options = labels.map((label) => ({ id: newOptionId(), label, archived: false }));
    const idOf = new Map(options.map((o) => [o.label, o.id]));
    mapping = Object.fromEntries(input.mapping!.map((m) => [m.from, idOf.get(m.option)!]));
  }
  let unconvertible = 0;
  if (to === 'select') {
    const row = await sql<{ n: string }>`
      select count(*) as n from ${sql.id(table)} where ${holding()} and not ${JSON.stringify(mapping)}::jsonb ? (field_values->>${k})`.execute(trx);
    unconvertible = Number(row.rows[0]!.n);
  }
  if (input.dryRun) return { fieldId, from, to, dryRun: true, recordsWithValue, unconvertible, field: null, rebuild: null };

  if (to === 'text') {
    await sql`update ${sql.id(table)} set field_values = jsonb_set(field_values, ${path}, to_jsonb(field_values->>${k})) where ${holding()}`.execute(trx);
  } else if (to === 'multi_select') {
    await sql`update ${sql.id(table)} set field_values = jsonb_set(field_values, ${path}, jsonb_build_array(field_values->${k})) where ${holding()}`.execute(trx);
  } else {
    await sql`
      update ${sql.id(table)} set field_values =
        case when ${JSON.stringify(mapping)}::jsonb ? (field_values->>${k})
          then jsonb_set(field_values, ${path}, ${JSON.stringify(mapping)}::jsonb -> (field_values->>${k}))
          else field_values - ${key}::text end
      where ${holding()}`.execute(trx);
  }
  const after = await trx
    .updateTable('field_definitions')
    .set({ type: to, options: JSON.stringify(options), index_status: 'building', updated_at: sql`now()` })
    .where('id', '=', fieldId)
    .returning(fieldColumns)
    .executeTakeFirstOrThrow();
  const result = { fieldId, from, to, dryRun: false, recordsWithValue, unconvertible, field: after };
  await recordAudit(trx, actor, { organisationId: place.organisationId, workspaceId: place.workspaceId, action: 'fields.changeType', targetType: 'field', targetId: fieldId, before: { type: from }, after: { type: to, recordsWithValue, unconvertible } });
  return { ...result, rebuild: after };
}

/**
 * Sets the order of fields in one statement: each listed field gets its place in the list.
 * Every listed field must be visible here and manageable by the caller (core and global-internal
 * fields by organisation admins only); records are not touched.
 */
export async function reorderFields(db: Db, actor: Actor, place: FieldsPlace, entity: FieldEntity, fieldIds: string[]) {
  return db.transaction().execute(async (trx) => {
    const found = await trx
      .selectFrom('field_definitions')
      .select(['id', 'scope', 'position'])
      .where(visibleIn(place))
      .where('entity', '=', entity)
      .where('id', 'in', fieldIds)
      .forUpdate()
      .execute();
    if (found.length !== new Set(fieldIds).size) throw notFound('Field');
    for (const field of found) assertMayManageScope(place, field.scope);
    await sql`
      update field_definitions f set position = o.position - 1, updated_at = now()
      from unnest(${fieldIds}::uuid[]) with ordinality as o(id, position)
      where f.id = o.id`.execute(trx);
    const order = found.map((f) => ({ id: f.id, position: f.position }));
    await recordAudit(trx, actor, { organisationId: place.organisationId, workspaceId: place.workspaceId, action: 'fields.reorder', targetType: 'field', before: { entity, order }, after: { entity, fieldIds } });
    return listFields(trx, place, entity);
  });
}
