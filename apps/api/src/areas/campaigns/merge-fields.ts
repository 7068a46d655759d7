import { escapeHtml } from '../../html.js';

/**
 * Merge fields: `{{firstName}}` (spaces inside the braces allowed) in a campaign's subject and
 * bodies, replaced per recipient. The list is fixed; a campaign naming anything else is refused
 * when it is saved, so a typo never reaches anyone as literal braces.
 */
export const MERGE_FIELDS = {
  firstName: 'The first name (empty when unknown)',
  lastName: 'The last name (empty when unknown)',
  fullName: 'First and last name, separated by a space',
  email: 'The address the email is sent to',
  workspaceName: "The sending workspace's name",
} as const;
export type MergeField = keyof typeof MERGE_FIELDS;
export const MERGE_FIELD_NAMES = Object.keys(MERGE_FIELDS) as MergeField[];

const TAG = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The merge fields a text names that are not on the list, each once, in order of appearance. */
export function unknownMergeFields(...texts: string[]): string[] {
  const unknown = new Set<string>();
  for (const text of texts) {
    for (const match of text.matchAll(TAG)) {
      if (!Object.hasOwn(MERGE_FIELDS, match[1]!)) unknown.add(match[1]!);
    }
  }
  return [...unknown];
}

export type MergeValues = Record<MergeField, string>;

export function mergeValues(recipient: { firstName: string; lastName: string; email: string }, workspaceName: string): MergeValues {
  return {
    firstName: recipient.firstName,
    lastName: recipient.lastName,
    fullName: [recipient.firstName, recipient.lastName].filter(Boolean).join(' '),
    email: recipient.email,
    workspaceName,
  };
}

/** Replaces the merge fields; in HTML each value is escaped, so a name can never inject markup. */
export function renderMergeFields(template: string, values: MergeValues, kind: 'html' | 'text'): string {
  return template.replace(TAG, (whole, name: string) => {
    if (!Object.hasOwn(values, name)) return whole;
    const value = values[name as MergeField];
    return kind === 'html' ? escapeHtml(value) : value;
  });
}
