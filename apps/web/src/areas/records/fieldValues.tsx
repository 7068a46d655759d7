import type { FieldDefinition } from '../fields/fieldLabels';

/** Custom values of a record as the server returns them: by field key; select values are option ids. */
export type RecordValues = Record<string, unknown>;

function optionLabel(field: FieldDefinition, id: unknown): string {
  const option = field.options.find((o) => o.id === id);
  if (!option) return String(id);
  return option.archived ? `${option.label} (archived)` : option.label;
}

/** A custom value as a person reads it in a table cell. */
export function FieldValue({ field, value }: { field: FieldDefinition; value: unknown }) {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
    return <span className="muted">—</span>;
  }
  switch (field.type) {
    case 'select':
      return <>{optionLabel(field, value)}</>;
    case 'multi_select':
      return <>{(Array.isArray(value) ? value : [value]).map((id) => optionLabel(field, id)).join(', ')}</>;
    case 'boolean':
      return <>{value === true ? 'Yes' : 'No'}</>;
    case 'number':
      return <>{typeof value === 'number' ? value.toLocaleString() : String(value)}</>;
    case 'url': {
      const text = String(value);
      // The server accepts only http(s) addresses; anything else is shown, never linked.
      return /^https?:\/\//i.test(text) ? (
        <a href={text} target="_blank" rel="noopener noreferrer">
          {text}
        </a>
      ) : (
        <>{text}</>
      );
    }
    default:
      return <>{String(value)}</>;
  }
}

/**
 * What a form holds for one custom field while it is edited: text for most types ('' is "no
 * value"), the chosen option ids for a multi-select, and '' / 'true' / 'false' for a boolean.
 */
export type Draft = string | string[];
export type Drafts = Record<string, Draft>;

export function draftOf(field: FieldDefinition, value: unknown): Draft {
  if (field.type === 'multi_select') return Array.isArray(value) ? value.map(String) : [];
  if (value === null || value === undefined) return '';
  return String(value);
}

export function draftsOf(fields: FieldDefinition[], values: RecordValues): Drafts {
  return Object.fromEntries(fields.map((f) => [f.key, draftOf(f, values[f.key])]));
}

/** The value to send for a draft; null clears (patch semantics on the server). */
export function valueOf(field: FieldDefinition, draft: Draft | undefined): unknown {
  if (draft === undefined) return null;
  if (Array.isArray(draft)) return draft.length > 0 ? draft : null;
  if (draft === '') return null;
  switch (field.type) {
    case 'number':
      return Number(draft);
    case 'boolean':
      return draft === 'true';
    default:
      return draft;
  }
}

/**
 * The values a form sends: every field it shows (null where empty, which clears on an edit), or
 * on a creation only those filled in.
 */
export function valuesOf(fields: FieldDefinition[], drafts: Drafts, { omitEmpty }: { omitEmpty: boolean }): RecordValues {
  const values: RecordValues = {};
  for (const field of fields) {
    const value = valueOf(field, drafts[field.key]);
    if (value !== null || !omitEmpty) values[field.key] = value;
  }
  return values;
}
