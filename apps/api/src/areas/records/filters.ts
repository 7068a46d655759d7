import { type Database, type Db, type FieldEntity, sql, type Transaction } from '@steward/db';
import type { RawBuilder, SelectQueryBuilder } from 'kysely';
import { AppError } from '../../errors.js';
import { visibleIn } from '../fields/fields.js';
import { valueExpression } from '../fields/storage.js';
import type { Filter } from './schemas.js';
import { type FieldDefinition, isValidDate } from './values.js';

/**
 * Filters evaluated in SQL. A custom field's filter uses exactly the expression its index was
 * built on (fields/storage.ts `valueExpression`): numbers compare as numerics, dates as ISO text
 * (validated `YYYY-MM-DD`, so text order is date order), multi-selects by jsonb `?|` / `?&` on
 * their GIN index; "set" is `is not null` on the same expression. A filter whose value does not
 * fit its field is a 400 naming the field, never a database error.
 */

export interface RecordPlace {
  organisationId: string;
  workspaceId: string;
  kind: 'global' | 'chapter';
  /** The organisation's field definitions version, read with the caller's standing (see below). */
  fieldsVersion?: number;
}

/**
 * Each organisation's field definitions as last read, with the version they were read at. A read
 * that knows the current version (read with the caller's standing, in the same query) uses them
 * only when that version matches, so a change made on any instance is seen by the next request.
 * Transactions always read afresh.
 */
const definitionsCache = new Map<string, { version: number; definitions: (FieldDefinition & { position: number })[] }>();
const CACHED_ORGANISATIONS = 1_000;

async function organisationDefinitions(db: Db, organisationId: string, version: number) {
  const cached = definitionsCache.get(organisationId);
  if (cached?.version === version) return cached.definitions;
  const definitions = await db
    .selectFrom('field_definitions')
    .select(['id', 'key', 'label', 'type', 'scope', 'workspace_id', 'required', 'options', 'entity', 'position'])
    .where('organisation_id', '=', organisationId)
    .orderBy('position')
    .execute();
  // Only ever replaced by a newer read: a slow request must not put back older definitions.
  const now = definitionsCache.get(organisationId);
  if (!now || now.version < version) {
    definitionsCache.delete(organisationId);
    if (definitionsCache.size >= CACHED_ORGANISATIONS) definitionsCache.delete(definitionsCache.keys().next().value!);
    definitionsCache.set(organisationId, { version, definitions });
  }
  return definitions;
}

/** The custom fields a record of this entity has in this workspace. */
export async function visibleDefinitions(db: Db | Transaction<Database>, place: RecordPlace, entity: FieldEntity): Promise<FieldDefinition[]> {
  if (place.fieldsVersion !== undefined && !db.isTransaction) {
    const all = await organisationDefinitions(db as Db, place.organisationId, place.fieldsVersion);
    return all
      .filter(
        (f) =>
          f.entity === entity &&
          (f.scope === 'core' || (f.scope === 'global_internal' && place.kind === 'global') || (f.scope === 'workspace' && f.workspace_id === place.workspaceId)),
      )
      .map(({ position: _position, ...definition }) => definition);
  }
  return db
    .selectFrom('field_definitions')
    .select(['id', 'key', 'label', 'type', 'scope', 'workspace_id', 'required', 'options', 'entity'])
    .where(visibleIn(place))
    .where('entity', '=', entity)
    .orderBy('position')
    .execute();
}

type FilterType = 'text' | 'number' | 'date' | 'boolean' | 'select' | 'multi_select' | 'id';

const OPS: Record<FilterType, Filter['op'][]> = {
  text: ['eq', 'contains', 'anyOf', 'set', 'notSet'],
  number: ['eq', 'gt', 'gte', 'lt', 'lte', 'between', 'set', 'notSet'],
  date: ['eq', 'gt', 'gte', 'lt', 'lte', 'between', 'set', 'notSet'],
  boolean: ['eq', 'set', 'notSet'],
  select: ['eq', 'anyOf', 'set', 'notSet'],
  multi_select: ['anyOf', 'allOf', 'set', 'notSet'],
  id: ['eq', 'anyOf', 'set', 'notSet'],
};

/** A built-in attribute: its filter type and its column (a fixed, trusted SQL fragment). */
export interface BuiltIn {
  type: FilterType;
  column: string;
  /** Text columns that are never null but may be empty. */
  emptyIsUnset?: boolean;
  lowercase?: boolean;
}

/** Where the filtered values live: the custom values column for a field of this scope. */
export type ValuesColumnOf = (field: FieldDefinition) => string;

/** `timestamptz::text` under the ISO DateStyle, e.g. `2026-11-25 20:10:00.123456+00`. */
const POSTGRES_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function typeOf(field: FieldDefinition): FilterType {
  if (field.type === 'secondary_email' || field.type === 'url') return 'text';
  return field.type;
}

/**
 * Filters another area compiles itself (contact consent: consent/filters.ts): the condition for a
 * filter it knows, `undefined` for the others. It refuses what it knows but cannot take.
 */
export type OwnFilters = (filter: Filter) => RawBuilder<boolean> | undefined;

/** Turns the filters into SQL conditions, or refuses the first one that does not fit its field. */
export function compileFilters(filters: Filter[], builtIns: Record<string, BuiltIn>, fields: FieldDefinition[], valuesColumn: ValuesColumnOf, own?: OwnFilters): RawBuilder<boolean>[] {
  const byKey = new Map(fields.map((f) => [f.key, f]));
  return filters.map((filter) => {
    const owned = own?.(filter);
    if (owned) return owned;
    const builtIn = Object.hasOwn(builtIns, filter.field) ? builtIns[filter.field] : undefined;
    const field = builtIn ? undefined : byKey.get(filter.field);
    if (!builtIn && !field) throw new AppError('BAD_REQUEST', `Filter on '${filter.field}': there is no such field here.`);
    const type = builtIn ? builtIn.type : typeOf(field!);
    const label = field ? `'${field.label}' (${field.key})` : `'${filter.field}'`;
    const refuse = (problem: string): never => {
      throw new AppError('BAD_REQUEST', `Filter on ${label}: ${problem}.`);
    };
    if (!OPS[type].includes(filter.op)) refuse(`'${filter.op}' does not apply to a ${field?.type ?? type} field; use one of ${OPS[type].join(', ')}`);
    const value = filter.value;

    const scalar = (v: unknown): string | number | boolean => {
      switch (type) {
        case 'number':
          if (typeof v !== 'number' || !Number.isFinite(v)) refuse(`${filter.op} needs a number, got ${JSON.stringify(v)}`);
          return v as number;
        case 'date':
          if (typeof v !== 'string' || !isValidDate(v)) refuse(`${filter.op} needs a date as YYYY-MM-DD, got ${JSON.stringify(v)}`);
          return v as string;
        case 'boolean':
          if (typeof v !== 'boolean') refuse(`${filter.op} needs true or false, got ${JSON.stringify(v)}`);
          return v as boolean;
        case 'id':
          if (typeof v !== 'string' || !UUID.test(v)) refuse(`${filter.op} needs a user id, got ${JSON.stringify(v)}`);
          return v as string;
        case 'select':
        case 'multi_select':
          if (typeof v !== 'string' || !field!.options.some((o) => o.id === v)) refuse(`there is no option with the id ${JSON.stringify(v)}`);
          return v as string;
        default:
          if (typeof v !== 'string' || v.length > 1000) refuse(`${filter.op} needs text, got ${JSON.stringify(v)}`);
          return builtIn?.lowercase || field?.type === 'secondary_email' ? (v as string).toLowerCase() : (v as string);
      }
    };
    const list = (): (string | number | boolean)[] => {
      if (!Array.isArray(value) || value.length === 0 || value.length > 100) refuse(`${filter.op} needs a list of 1 to 100 values`);
      return (value as unknown[]).map(scalar);
    };

    // The expressions: for a custom field, the same text as its index (the key is checked safe).
    let text: RawBuilder<unknown>;
    let isSet: RawBuilder<boolean>;
    let isUnset: RawBuilder<boolean>;
    let json: RawBuilder<unknown> | null = null;
    if (builtIn) {
      text = sql.raw(builtIn.column);
      isSet = builtIn.emptyIsUnset ? sql<boolean>`${text} <> ''` : sql<boolean>`${text} is not null`;
      isUnset = builtIn.emptyIsUnset ? sql<boolean>`${text} = ''` : sql<boolean>`${text} is null`;
    } else {
      const column = valuesColumn(field!);
      const compared = sql.raw(valueExpression(field!.type, field!.key, column));
      text = compared;
      json = sql.raw(valueExpression('multi_select', field!.key, column));
      isSet = sql<boolean>`${compared} is not null`;
      isUnset = sql<boolean>`${compared} is null`;
    }
    const cast = (v: string | number | boolean) => (type === 'number' ? sql`${v}::numeric` : type === 'id' ? sql`${v}::uuid` : sql`${String(v)}`);

    switch (filter.op) {
      case 'set':
        return isSet;
      case 'notSet':
        return isUnset;
      case 'eq': {
        const v = scalar(value);
        if (type === 'boolean') return sql<boolean>`${json} = ${JSON.stringify(v)}::jsonb`;
        return sql<boolean>`${text} = ${cast(v)}`;
      }
      case 'contains': {
        const v = scalar(value) as string;
        if (v === '') refuse('contains needs some text');
        return sql<boolean>`${text} ilike ${`%${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`;
      }
      case 'gt':
        return sql<boolean>`${text} > ${cast(scalar(value))}`;
      case 'gte':
        return sql<boolean>`${text} >= ${cast(scalar(value))}`;
      case 'lt':
        return sql<boolean>`${text} < ${cast(scalar(value))}`;
      case 'lte':
        return sql<boolean>`${text} <= ${cast(scalar(value))}`;
      case 'between': {
        if (!Array.isArray(value) || value.length !== 2) refuse('between needs two values, [from, to]');
        const [from, to] = (value as unknown[]).map(scalar) as [string | number, string | number];
        if (from > to) refuse('between needs the smaller value first');
        return sql<boolean>`${text} between ${cast(from)} and ${cast(to)}`;
      }
      case 'anyOf': {
        const values = list();
        if (type === 'multi_select') return sql<boolean>`${json} ?| ${values.map(String)}::text[]`;
        if (type === 'id') return sql<boolean>`${text} = any(${values.map(String)}::uuid[])`;
        return sql<boolean>`${text} = any(${values.map(String)}::text[])`;
      }
      case 'allOf':
        return sql<boolean>`${json} ?& ${list().map(String)}::text[]`;
    }
  });
}

/** Keyset cursors: the last row's `created_at` (as Postgres text, full precision) and id. */
export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): [string, string] | null {
  if (!cursor) return null;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && POSTGRES_TIMESTAMP.test(parsed[0]) && typeof parsed[1] === 'string' && UUID.test(parsed[1])) {
      return [parsed[0], parsed[1]];
    }
  } catch {
    // fall through
  }
  throw new AppError('BAD_REQUEST', 'The cursor is not valid. Start again from the first page.');
}

export const EXACT_TOTAL_LIMIT = 10_000;

/**
 * How many rows match: counted exactly up to 10,000, the count stopping there so it stays cheap
 * at a million; above that the planner's estimate for the same query, said to be one. When the
 * planner already expects more than three times that (it keeps statistics on every field's
 * index expression), its estimate is answered without counting.
 */
export async function countMatching<DB, TB extends keyof DB, O>(db: Db, ones: SelectQueryBuilder<DB, TB, O>): Promise<{ total: number; totalIsEstimate: boolean }> {
  const plan = await sql<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>`explain (format json) ${ones}`.execute(db);
  const estimate = Math.round(plan.rows[0]!['QUERY PLAN'][0].Plan['Plan Rows']);
  if (estimate > EXACT_TOTAL_LIMIT * 3) return { total: estimate, totalIsEstimate: true };
  const counted = await db
    .selectFrom(ones.limit(EXACT_TOTAL_LIMIT + 1).as('m'))
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  const total = Number(counted.n);
  if (total <= EXACT_TOTAL_LIMIT) return { total, totalIsEstimate: false };
  return { total: Math.max(EXACT_TOTAL_LIMIT + 1, estimate), totalIsEstimate: true };
}
