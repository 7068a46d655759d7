import type { RouterOutputs } from '../../trpc';

export type EmailCategory = RouterOutputs['emailCategories']['list'][number];
export type Consent = RouterOutputs['consent']['get'];
export type WorkspaceSubscription = Consent['workspace'];
export type CategoryConsent = Consent['categories'][number];
export type ConsentReason = CategoryConsent['reason'];
export type ConsentHistoryEntry = RouterOutputs['consent']['history']['entries'][number];

export const WORKSPACE_SUBSCRIPTION_LABELS: Record<WorkspaceSubscription, string> = {
  neutral: 'No choice (categories decide)',
  subscribed: 'Subscribed',
  unsubscribed: 'Unsubscribed: nothing from this workspace',
};
export const WORKSPACE_SUBSCRIPTIONS = Object.keys(WORKSPACE_SUBSCRIPTION_LABELS) as WorkspaceSubscription[];

/** Why a category reaches the person or not, in the words of the order of authority. */
export const REASON_LABELS: Record<ConsentReason, string> = {
  globally_unsubscribed: 'No: unsubscribed from everything',
  not_linked: 'No: not in this workspace',
  workspace_unsubscribed: 'No: unsubscribed from this workspace',
  category_unsubscribed: 'No: unsubscribed from this category',
  category_subscribed: 'Yes: subscribed',
  default_subscribed: 'Yes: subscribed by default',
  default_not_subscribed: 'No: not subscribed (the default)',
};

export const SOURCE_LABELS: Record<ConsentHistoryEntry['source'], string> = {
  console: 'console',
  import: 'import',
  api: 'API',
  unsubscribe_link: 'unsubscribe link',
  provider_webhook: 'email provider',
};

const STATE_LABELS: Record<string, string> = { subscribed: 'subscribed', unsubscribed: 'unsubscribed', neutral: 'no choice' };

/** One history entry in words: "Newsletter: no choice → unsubscribed". */
export function describeChange(entry: ConsentHistoryEntry): string {
  const what = entry.level === 'global' ? 'Everything' : entry.level === 'workspace' ? 'This workspace' : (entry.categoryName ?? 'A deleted category');
  const state = (value: string | null) => (value === null ? 'no choice' : (STATE_LABELS[value] ?? value));
  return `${what}: ${state(entry.previous)} → ${state(entry.status)}`;
}
