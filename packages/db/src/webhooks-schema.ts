import type { ColumnType, Generated } from 'kysely';

/**
 * Tables of migrations/0020_webhooks_connected_apps.ts: outgoing webhooks. They join `Database`
 * (schema.ts) by declaration merging below, so this file and schema.ts can change independently.
 */

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export const WEBHOOK_DELIVERY_STATES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];

/** A workspace's outgoing webhook: a URL, the events it wants, its signing secret sealed. */
export interface WebhookSubscriptionsTable {
  id: Generated<string>;
  organisation_id: string;
  workspace_id: string;
  url: string;
  description: string | null;
  events: string[];
  secret_ciphertext: string;
  secret_key_version: string;
  secret_hint: string;
  enabled: Generated<boolean>;
  disabled_at: Timestamp | null;
  disabled_reason: string | null;
  consecutive_failures: Generated<number>;
  last_success_at: Timestamp | null;
  last_failure_at: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

/** Something that happened in a workspace, as its webhooks receive it (`data` is the payload's data). */
export interface WebhookEventsTable {
  id: Generated<string>;
  organisation_id: string;
  workspace_id: string;
  type: string;
  data: ColumnType<unknown, string, never>;
  created_at: CreatedAt;
}

/** One event for one subscription; `queued_at` null and state pending: still in the outbox. */
export interface WebhookDeliveriesTable {
  id: Generated<string>;
  organisation_id: string;
  workspace_id: string;
  subscription_id: string;
  event_id: string;
  state: Generated<WebhookDeliveryState>;
  attempts: Generated<number>;
  queued_at: Timestamp | null;
  next_attempt_at: Timestamp | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
  is_test: Generated<boolean>;
  created_at: CreatedAt;
}

export interface WebhookDeliveryAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  attempt: number;
  started_at: Timestamp;
  duration_ms: number;
  response_status: number | null;
  response_excerpt: string | null;
  error: string | null;
}

declare module './schema.js' {
  interface Database {
    webhook_subscriptions: WebhookSubscriptionsTable;
    webhook_events: WebhookEventsTable;
    webhook_deliveries: WebhookDeliveriesTable;
    webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
  }
}
