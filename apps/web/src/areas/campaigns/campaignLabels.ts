import type { RouterOutputs } from '../../trpc';

export type Campaign = RouterOutputs['campaigns']['get'];
export type CampaignState = Campaign['state'];
export type CampaignProgress = RouterOutputs['campaigns']['progress'];

export const CAMPAIGN_STATE_LABELS: Record<CampaignState, string> = {
  draft: 'Draft',
  scheduled: 'Scheduled',
  sending: 'Sending',
  paused: 'Paused',
  sent: 'Sent',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

/** A UTC instant as the wall time of a time zone, e.g. "15 Jan 2030, 09:30 (Europe/Paris)". */
export function inTimeZone(value: string | null, timeZone: string): string {
  if (!value) return '—';
  return `${new Date(value).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone })} (${timeZone})`;
}
