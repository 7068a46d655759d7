import type { RouterInputs, RouterOutputs } from '../../trpc';

/** A field definition as the server lists it, and its parts, typed by the router (never re-declared here). */
export type FieldDefinition = RouterOutputs['fields']['list'][number];
export type FieldType = FieldDefinition['type'];
export type FieldScope = FieldDefinition['scope'];
export type FieldEntity = RouterInputs['fields']['create']['entity'];
export type FieldOption = FieldDefinition['options'][number];

/** Labels for the server's field types; a new type fails the build until it is labelled. */
export const FIELD_TYPE_LABELS: Record<FieldType, string> = {
  text: 'Text',
  number: 'Number',
  date: 'Date',
  secondary_email: 'Secondary email',
  url: 'Web address (URL)',
  select: 'Select',
  multi_select: 'Multi-select',
  boolean: 'Yes / no',
};
export const FIELD_TYPES = Object.keys(FIELD_TYPE_LABELS) as FieldType[];

export const FIELD_SCOPE_LABELS: Record<FieldScope, string> = {
  core: 'Core',
  global_internal: 'Global internal',
  workspace: 'Workspace',
};

/** What each scope means, for the create form and the headings of the fields page. */
export const FIELD_SCOPE_HINTS: Record<FieldScope, string> = {
  core: 'every workspace of the organisation; organisation admins manage it',
  global_internal: 'the global workspace only; organisation admins manage it',
  workspace: 'this workspace only; its admins manage it',
};

export const ENTITY_LABELS: Record<FieldEntity, { one: string; many: string; title: string }> = {
  contact: { one: 'contact', many: 'contacts', title: 'Contacts' },
  company: { one: 'company', many: 'companies', title: 'Companies' },
  deal: { one: 'deal', many: 'deals', title: 'Deals' },
};
export const FIELD_ENTITIES = Object.keys(ENTITY_LABELS) as FieldEntity[];

export const isSelectType = (type: FieldType) => type === 'select' || type === 'multi_select';

const SCOPE_ORDER: FieldScope[] = ['core', 'global_internal', 'workspace'];

/**
 * Fields grouped by scope (core, then global internal, then the workspace's own), each group in
 * the server's order. Positions are set per group (a workspace admin reorders only their own
 * fields), so grouping keeps the order the same on the fields page, in tables and in forms.
 */
export function orderedFields<F extends { scope: FieldScope }>(fields: readonly F[]): F[] {
  return SCOPE_ORDER.flatMap((scope) => fields.filter((f) => f.scope === scope));
}

export const countOf = (n: number, one: string, many: string) => `${n.toLocaleString()} ${n === 1 ? one : many}`;
