import { useMemo } from 'react';
import { trpc } from '../../trpc';
import type { Filterable } from '../records/filters';
import { WORKSPACE_SUBSCRIPTION_LABELS, WORKSPACE_SUBSCRIPTIONS } from './consentLabels';

/**
 * What the contacts filter bar offers about consent (consent/effective.ts on the server): the
 * global unsubscribe, the workspace switch, and for each category whether it reaches the person
 * now ("is yes/no"; "is set" = they made a choice).
 */
export function useConsentFilterables(workspaceId: string): Filterable[] {
  const categories = trpc.emailCategories.list.useQuery({ workspaceId }).data;
  return useMemo(
    (): Filterable[] => [
      { field: 'globallyUnsubscribed', label: 'Unsubscribed from everything', kind: 'boolean' },
      { field: 'workspaceSubscription', label: 'Emails from this workspace', kind: 'select', options: WORKSPACE_SUBSCRIPTIONS.map((s) => ({ id: s, label: WORKSPACE_SUBSCRIPTION_LABELS[s] })) },
      ...(categories ?? []).map((c) => ({ field: `consent:${c.id}`, label: `Receives ${c.name}`, kind: 'boolean' as const })),
    ],
    [categories],
  );
}
