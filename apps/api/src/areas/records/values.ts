import type { FieldDefinitionsTable, FieldOption, FieldScope, FieldType, FieldValues, Selectable } from '@steward/db';
import { AppError } from '../../errors.js';

/**
 * The one validator of custom values. Every write path (tRPC, REST, bulk, import) passes its
 * `values` through `validateValues`, so a value is checked the same way wherever it comes from:
 * the field exists and is visible here, the value has the field's type, options exist and are
 * not archived (unless the record already holds them), dates are `YYYY-MM-DD`, emails and URLs
 * are well formed, and required fields end up with a value.
 */

export type FieldDefinition = Pick<
  Selectable<FieldDefinitionsTable>,
  'id' | 'key' | 'label' | 'type' | 'scope' | 'workspace_id' | 'required' | 'options' | 'entity'
>;

/** A value as stored: string, number, boolean or (multi-select) an array of option ids. */
export type StoredValue = string | number | boolean | string[];

export const MAX_TEXT_LENGTH = 10_000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isValidDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

export function isValidUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.includes('.') && !/\s/.test(value);
  } catch {
    return false;
  }
}

export const isValidEmail = (value: string) => value.length <= 254 && EMAIL.test(value);

const describe = (value: unknown) => (typeof value === 'string' ? `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"` : JSON.stringify(value));
const name = (field: FieldDefinition) => `'${field.label}' (${field.key})`;

/**
 * Checks one value against its field; null means "no value". `held` is what the record holds
 * now, so an archived option it already has may stay. Returns the value to store, or the problem.
 */
export function checkValue(field: FieldDefinition, value: unknown, held: unknown): { value: StoredValue | null } | { problem: string } {
  if (value === null || value === undefined || value === '') return { value: null };
  const optionProblem = (id: unknown, alreadyHeld: boolean): string | null => {
    if (typeof id !== 'string') return `expects option ids (strings), got ${describe(id)}`;
    const option = field.options.find((o: FieldOption) => o.id === id);
    if (!option) return `has no option with the id ${describe(id)}`;
    if (option.archived && !alreadyHeld) return `option '${option.label}' is archived and cannot be chosen`;
    return null;
  };
  switch (field.type) {
    case 'text':
      if (typeof value !== 'string') return { problem: `expects text, got ${describe(value)}` };
      if (value.length > MAX_TEXT_LENGTH) return { problem: `is at most ${MAX_TEXT_LENGTH} characters` };
      return { value };
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return { problem: `expects a number, got ${describe(value)}` };
      if (Math.abs(value) >= 1e15) return { problem: 'is out of range (at most 15 digits)' };
      return { value };
    case 'date':
      if (typeof value !== 'string' || !isValidDate(value)) return { problem: `expects a date as YYYY-MM-DD, got ${describe(value)}` };
      return { value };
    case 'secondary_email': {
      if (typeof value !== 'string') return { problem: `expects an email address, got ${describe(value)}` };
      const email = value.trim().toLowerCase();
      if (!isValidEmail(email)) return { problem: `expects an email address, got ${describe(value)}` };
      return { value: email };
    }
    case 'url':
      if (typeof value !== 'string' || value.length > 2048 || !isValidUrl(value.trim())) return { problem: `expects a web address starting with http:// or https://, got ${describe(value)}` };
      return { value: value.trim() };
    case 'boolean':
      if (typeof value !== 'boolean') return { problem: `expects true or false, got ${describe(value)}` };
      return { value };
    case 'select': {
      const problem = optionProblem(value, held === value);
      return problem ? { problem } : { value: value as string };
    }
    case 'multi_select': {
      if (!Array.isArray(value)) return { problem: `expects a list of option ids, got ${describe(value)}` };
      if (value.length === 0) return { value: null };
      const heldIds = Array.isArray(held) ? held : [];
      for (const id of value) {
        const problem = optionProblem(id, heldIds.includes(id));
        if (problem) return { problem };
      }
      if (new Set(value).size !== value.length) return { problem: 'lists an option more than once' };
      return { value: value as string[] };
    }
  }
}

export interface ValuesProblem {
  field: string;
  message: string;
}

/**
 * Validates a patch of values against the fields visible where the record is written.
 * `current` holds the record's values now (empty for a new record): patch semantics, a key not
 * sent keeps its value, null clears it. Returns the changes to store per placement (as
 * `set` and `clear`), or every problem found.
 */
export function validateValues(
  visible: FieldDefinition[],
  patch: Record<string, unknown> | undefined,
  current: FieldValues,
): { ok: true; set: Record<string, StoredValue>; clear: string[]; merged: FieldValues } | { ok: false; problems: ValuesProblem[] } {
  const byKey = new Map(visible.map((f) => [f.key, f]));
  const problems: ValuesProblem[] = [];
  const set: Record<string, StoredValue> = {};
  const clear: string[] = [];
  for (const [key, raw] of Object.entries(patch ?? {})) {
    const field = byKey.get(key);
    if (!field) {
      problems.push({ field: key, message: `There is no field with the key '${key}' on this record here.` });
      continue;
    }
    const checked = checkValue(field, raw, current[key]);
    if ('problem' in checked) problems.push({ field: key, message: `Field ${name(field)} ${checked.problem}.` });
    else if (checked.value === null) clear.push(key);
    else set[key] = checked.value;
  }
  const merged: FieldValues = { ...current, ...set };
  for (const key of clear) delete merged[key];
  for (const field of visible) {
    if (field.required && (merged[field.key] === undefined || merged[field.key] === null) && !problems.some((p) => p.field === field.key)) {
      problems.push({ field: field.key, message: `Field ${name(field)} is required.` });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, set, clear, merged };
}

/** The same, throwing one 400 that names every field and its problem. */
export function assertValidValues(visible: FieldDefinition[], patch: Record<string, unknown> | undefined, current: FieldValues) {
  const result = validateValues(visible, patch, current);
  if (!result.ok) throw new AppError('BAD_REQUEST', result.problems.map((p) => p.message).join(' '));
  return result;
}

/** Only the values of fields visible here: what a workspace sees of a record. */
export function visibleValues(visible: FieldDefinition[], ...sources: FieldValues[]): FieldValues {
  const out: FieldValues = {};
  for (const field of visible) {
    for (const source of sources) if (source[field.key] !== undefined) out[field.key] = source[field.key];
  }
  return out;
}

/** Where a contact's value of a field of this scope lives. */
export const contactPlacement = (scope: FieldScope): 'contact' | 'link' => (scope === 'workspace' ? 'link' : 'contact');

export type { FieldType };
