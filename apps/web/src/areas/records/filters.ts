import type { RouterInputs } from '../../trpc';
import type { FieldDefinition, FieldOption } from '../fields/fieldLabels';

/** A filter as the search procedures take it: `{ field, op, value }`, ANDed with the others. */
export type RecordFilter = NonNullable<RouterInputs['contacts']['search']['filters']>[number];
export type FilterOp = RecordFilter['op'];

/** How a filterable attribute compares; a custom field's type decides it (email and URL compare as text). */
export type FilterKind = 'text' | 'number' | 'date' | 'boolean' | 'select' | 'multi_select' | 'choice';

export type FilterChoice = Pick<FieldOption, 'id' | 'label'> & { archived?: boolean };

/** Something the filter bar offers: a built-in attribute or a custom field. */
export interface Filterable {
  /** The name the server filters on: a built-in (`firstName`, `amount`…) or a field key. */
  field: string;
  label: string;
  kind: FilterKind;
  /** For select kinds, and for `choice` (a user or a company id picked from a list). */
  options?: FilterChoice[];
}

/**
 * The operators the server accepts per kind (records/filters.ts); anything else is a 400 there,
 * so the bar offers only these. `choice` is the server's id type.
 */
export const OPS_BY_KIND: Record<FilterKind, FilterOp[]> = {
  text: ['contains', 'eq', 'anyOf', 'set', 'notSet'],
  number: ['eq', 'gt', 'gte', 'lt', 'lte', 'between', 'set', 'notSet'],
  date: ['eq', 'gt', 'gte', 'lt', 'lte', 'between', 'set', 'notSet'],
  boolean: ['eq', 'set', 'notSet'],
  select: ['eq', 'anyOf', 'set', 'notSet'],
  multi_select: ['anyOf', 'allOf', 'set', 'notSet'],
  choice: ['eq', 'set', 'notSet'],
};

export function opLabel(kind: FilterKind, op: FilterOp): string {
  const dates = kind === 'date';
  switch (op) {
    case 'eq':
      return kind === 'text' ? 'is exactly' : 'is';
    case 'contains':
      return 'contains';
    case 'gt':
      return dates ? 'is after' : 'is greater than';
    case 'gte':
      return dates ? 'is on or after' : 'is at least';
    case 'lt':
      return dates ? 'is before' : 'is less than';
    case 'lte':
      return dates ? 'is on or before' : 'is at most';
    case 'between':
      return 'is between';
    case 'set':
      return 'is set';
    case 'notSet':
      return 'is not set';
    case 'anyOf':
      return kind === 'multi_select' ? 'has any of' : 'is any of';
    case 'allOf':
      return 'has all of';
  }
}

export function filterableOf(field: FieldDefinition): Filterable {
  const kind: FilterKind = field.type === 'secondary_email' || field.type === 'url' ? 'text' : field.type;
  return { field: field.key, label: field.label, kind, options: field.options };
}
