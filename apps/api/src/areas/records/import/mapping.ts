import type { FieldOption } from '@steward/db';
import { AppError } from '../../../errors.js';
import type { FieldDefinition, ValuesProblem } from '../values.js';
import type { ImportedConsent } from '../../consent/imported.js';
import { BUILT_IN_LABELS, type ColumnTarget, IMPORT_BUILT_INS, type ImportBuiltIn } from './schemas.js';

/**
 * From CSV cells to the rows bulk upsert takes. Cells are text; this turns each into what the
 * field expects (a number, a boolean, option ids) where it can and leaves it as text where it
 * cannot, so that the one validator (records/values.ts, through `upsertContacts`) refuses it with
 * its usual words. Nothing here decides whether a value is valid.
 */

/** A category of the workspace, as an import maps a column to it. */
export interface ImportCategory {
  id: string;
  name: string;
  archived: boolean;
}

export type ResolvedConsent = { level: 'global' } | { level: 'workspace' } | { level: 'category'; category: ImportCategory };

export type ResolvedColumn =
  | { index: number; header: string; builtIn: ImportBuiltIn }
  | { index: number; header: string; field: FieldDefinition }
  | { index: number; header: string; consent: ResolvedConsent };

/** How the console and the errors name a consent column. */
export function consentLabel(consent: ResolvedConsent): string {
  if (consent.level === 'global') return 'Unsubscribed from everything';
  if (consent.level === 'workspace') return 'Workspace subscription';
  return `Category: ${consent.category.name}`;
}

const columnName = (headers: string[], index: number) => (headers[index] ? `"${headers[index]}"` : `${index + 1}`);

/** Checks a mapping against the file and the fields visible here; every mistake is a 400 naming the column. */
export function resolveMapping(headers: string[], mapping: ColumnTarget[], fields: FieldDefinition[], categories: ImportCategory[]): ResolvedColumn[] {
  if (mapping.length !== headers.length) {
    throw new AppError('BAD_REQUEST', `The mapping has ${mapping.length} entries but the file has ${headers.length} columns: give one per column (null to ignore it).`);
  }
  const byKey = new Map(fields.map((f) => [f.key, f]));
  const taken = new Map<string, number>();
  const columns: ResolvedColumn[] = [];
  mapping.forEach((target, index) => {
    if (!target) return;
    if ('consent' in target) {
      const name = target.consent === 'category' ? `consent:category:${target.categoryId}` : `consent:${target.consent}`;
      let consent: ResolvedConsent;
      if (target.consent === 'category') {
        const category = categories.find((c) => c.id === target.categoryId);
        if (!category) throw new AppError('BAD_REQUEST', `Column ${columnName(headers, index)} is mapped to a category this workspace does not have.`);
        consent = { level: 'category', category };
      } else consent = { level: target.consent };
      if (taken.has(name)) {
        throw new AppError('BAD_REQUEST', `Columns ${columnName(headers, taken.get(name)!)} and ${columnName(headers, index)} are both mapped to ${consentLabel(consent)}; map only one.`);
      }
      taken.set(name, index);
      columns.push({ index, header: headers[index] ?? '', consent });
      return;
    }
    const name = 'builtIn' in target ? target.builtIn : `field:${target.field}`;
    if (taken.has(name)) {
      throw new AppError('BAD_REQUEST', `Columns ${columnName(headers, taken.get(name)!)} and ${columnName(headers, index)} are both mapped to ${'builtIn' in target ? BUILT_IN_LABELS[target.builtIn] : `the field '${target.field}'`}; map only one.`);
    }
    taken.set(name, index);
    if ('builtIn' in target) {
      columns.push({ index, header: headers[index] ?? '', builtIn: target.builtIn });
      return;
    }
    const field = byKey.get(target.field);
    if (!field) throw new AppError('BAD_REQUEST', `Column ${columnName(headers, index)} is mapped to the field '${target.field}', which contacts do not have in this workspace.`);
    columns.push({ index, header: headers[index] ?? '', field });
  });
  if (columns.length === 0) throw new AppError('BAD_REQUEST', 'Map at least one column to a contact attribute or field.');
  return columns;
}

const normalise = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');
const BUILT_IN_NAMES: Record<ImportBuiltIn, string[]> = {
  firstName: ['firstname', 'givenname', 'forename', 'first', 'prenom'],
  lastName: ['lastname', 'surname', 'familyname', 'last', 'nom'],
  email: ['email', 'emailaddress', 'mail', 'courriel'],
  phone: ['phone', 'phonenumber', 'telephone', 'mobile', 'tel'],
  country: ['country', 'countrycode', 'pays'],
  language: ['language', 'lang', 'langue', 'locale'],
};

/**
 * The header convention of consent columns (the import page's help says the same):
 * "Unsubscribed from everything" (or "Global unsubscribe"), "Workspace subscription", and
 * "Category: <name>" for each category of the workspace.
 */
const CONSENT_NAMES = { global: ['unsubscribedfromeverything', 'globalunsubscribe', 'globallyunsubscribed'], workspace: ['workspacesubscription'] };
const CATEGORY_HEADER = /^\s*category\s*:\s*(.+?)\s*$/i;

/** A first guess from the headers: built-in names in a few spellings, consent columns, then field labels and keys. */
export function suggestMapping(headers: string[], fields: FieldDefinition[], categories: ImportCategory[]): ColumnTarget[] {
  const used = new Set<string>();
  return headers.map((header) => {
    const name = normalise(header);
    if (!name) return null;
    for (const level of ['global', 'workspace'] as const) {
      if (CONSENT_NAMES[level].includes(name) && !used.has(`consent:${level}`)) {
        used.add(`consent:${level}`);
        return { consent: level };
      }
    }
    const categoryName = CATEGORY_HEADER.exec(header)?.[1]?.toLowerCase();
    if (categoryName) {
      // A live category before an archived one of the same name.
      const category = [...categories].sort((a, b) => Number(a.archived) - Number(b.archived)).find((c) => c.name.toLowerCase() === categoryName);
      if (category && !used.has(`consent:category:${category.id}`)) {
        used.add(`consent:category:${category.id}`);
        return { consent: 'category', categoryId: category.id };
      }
      return null;
    }
    const builtIn = IMPORT_BUILT_INS.find((b) => BUILT_IN_NAMES[b].includes(name));
    if (builtIn && !used.has(builtIn)) {
      used.add(builtIn);
      return { builtIn };
    }
    const field = fields.find((f) => normalise(f.label) === name || normalise(f.key) === name);
    if (field && !used.has(field.key)) {
      used.add(field.key);
      return { field: field.key };
    }
    return null;
  });
}

const TRUE = new Set(['true', 'yes', 'y', '1', 'x']);
const FALSE = new Set(['false', 'no', 'n', '0']);

const optionLookups = new WeakMap<FieldDefinition, { byLabel: Map<string, string>; ids: Set<string> }>();

/** A select field's option id for a cell: by label (any case), else by id. Built once per field definition. */
function optionIdOf(field: FieldDefinition, text: string): string | undefined {
  let lookup = optionLookups.get(field);
  if (!lookup) {
    lookup = { byLabel: new Map(), ids: new Set(field.options.map((o: FieldOption) => o.id)) };
    // Two options may share a label when one is archived: the live one is meant, so it is set last.
    for (const o of [...field.options].sort((a, b) => Number(b.archived) - Number(a.archived))) lookup.byLabel.set(o.label.trim().toLowerCase(), o.id);
    optionLookups.set(field, lookup);
  }
  const trimmed = text.trim();
  return lookup.byLabel.get(trimmed.toLowerCase()) ?? (lookup.ids.has(trimmed) ? trimmed : undefined);
}

/** A cell as the field's type would have it; left as text when it does not read as one. */
export function cellValue(field: FieldDefinition, text: string): unknown {
  const trimmed = text.trim();
  switch (field.type) {
    case 'number': {
      const compact = /\s/.test(trimmed) ? trimmed.replace(/[\s\u00a0\u202f]/g, '') : trimmed;
      if (/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(compact)) return Number(compact);
      // A decimal comma (1,5), as spreadsheets in many languages write it; "1,234.5" stays text.
      if (/^[+-]?\d+,\d+$/.test(compact)) return Number(compact.replace(',', '.'));
      return trimmed;
    }
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      return TRUE.has(lower) ? true : FALSE.has(lower) ? false : trimmed;
    }
    case 'select':
      return optionIdOf(field, trimmed) ?? trimmed;
    case 'multi_select': {
      const whole = optionIdOf(field, trimmed);
      if (whole) return [whole];
      return trimmed
        .split(/[;|,]/)
        .map((part) => part.trim())
        .filter(Boolean)
        .map((part) => optionIdOf(field, part) ?? part);
    }
    default:
      return trimmed;
  }
}

const YES = new Set(['yes', 'y', 'true', '1', 'x']);
const NO = new Set(['no', 'n', 'false', '0']);

/**
 * What a consent cell asks for, or why it cannot be read. Global: a yes (or "unsubscribed")
 * unsubscribes the person from everything, a no changes nothing (an import never lifts it).
 * Workspace: subscribed, unsubscribed or neutral (yes/no too). Category: subscribed or
 * unsubscribed (yes/no too); an archived category takes no new subscriptions.
 */
function consentCell(consent: ResolvedConsent, text: string, into: ImportedConsent): string | null {
  const word = text.trim().toLowerCase();
  if (consent.level === 'global') {
    if (YES.has(word) || word === 'unsubscribed') into.globallyUnsubscribed = true;
    else if (!NO.has(word) && word !== 'subscribed' && word !== 'neutral') return `expects yes (unsubscribed from everything) or no, got "${text.trim().slice(0, 40)}"`;
    return null;
  }
  const status = YES.has(word) || word === 'subscribed' ? 'subscribed' : NO.has(word) || word === 'unsubscribed' ? 'unsubscribed' : consent.level === 'workspace' && word === 'neutral' ? 'neutral' : null;
  if (!status) return `expects subscribed or unsubscribed${consent.level === 'workspace' ? ' (or neutral)' : ''}, got "${text.trim().slice(0, 40)}"`;
  if (consent.level === 'workspace') {
    into.workspace = status;
    return null;
  }
  if (status === 'subscribed' && consent.category.archived) return `'${consent.category.name}' is archived: it takes no new subscriptions`;
  (into.categories ??= []).push({ categoryId: consent.category.id, status: status as 'subscribed' | 'unsubscribed' });
  return null;
}

/**
 * The bulk-upsert row for one record (with the consent its consent columns ask for), or why the
 * record cannot be one. An empty cell sends nothing (an existing contact keeps that value); a
 * record with no mapped contact value at all is refused.
 */
export function rowFromCells(
  cells: string[],
  width: number,
  columns: ResolvedColumn[],
): { row: Record<string, unknown>; consent: ImportedConsent | null } | { problem: string; column?: number; field?: string } {
  if (cells.length !== width) return { problem: `The row has ${cells.length} cells; the header has ${width}.` };
  const row: Record<string, unknown> = {};
  let values: Record<string, unknown> | null = null;
  let consent: ImportedConsent | null = null;
  let filled = 0;
  for (const column of columns) {
    const text = cells[column.index]!;
    if (text.trim() === '') continue;
    if ('consent' in column) {
      const problem = consentCell(column.consent, text, (consent ??= {}));
      if (problem) return { problem: `${consentLabel(column.consent)} ${problem}.`, column: column.index, field: 'consent' };
      continue;
    }
    filled++;
    if ('builtIn' in column) row[column.builtIn] = text.trim();
    else (values ??= {})[column.field.key] = cellValue(column.field, text);
  }
  if (filled === 0) return { problem: consent ? 'The row has consent but no email, name or value to say who it is about.' : 'Every mapped cell of the row is empty.' };
  if (values) row.values = values;
  return { row, consent };
}

export interface ImportProblem {
  /** The column (0-based) the problem is about, when one is. */
  column: number | null;
  field: string;
  message: string;
}

/** The validator's problems, each tied to the column it came from; select problems list the choices. */
export function problemsByColumn(problems: ValuesProblem[], columns: ResolvedColumn[]): ImportProblem[] {
  return problems.map((problem) => {
    const column = columns.find((c) => ('builtIn' in c ? c.builtIn === problem.field : 'field' in c ? c.field.key === problem.field : false));
    let message = problem.message;
    if (column && 'field' in column && (column.field.type === 'select' || column.field.type === 'multi_select') && /has no option/.test(message)) {
      const live = column.field.options.filter((o: FieldOption) => !o.archived).map((o: FieldOption) => o.label);
      message += ` Use one of: ${live.slice(0, 20).join(', ')}${live.length > 20 ? '…' : ''}.`;
    }
    return { column: column?.index ?? null, field: problem.field, message };
  });
}

/** One line for the report's `error` column: each problem with the column it is about. */
export function rejectionText(problems: ImportProblem[], headers: string[]): string {
  return problems
    .map((p) => {
      if (p.column === null) return p.message;
      const builtIn = (IMPORT_BUILT_INS as readonly string[]).includes(p.field) ? ` (${BUILT_IN_LABELS[p.field as ImportBuiltIn]})` : '';
      return `Column ${columnName(headers, p.column)}${builtIn}: ${p.message}`;
    })
    .join(' ');
}
