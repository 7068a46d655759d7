import type { ColumnType, Generated } from 'kysely';

/** Tables of migrations/0019_channels_inboxes.ts: OAuth connections, channels, inboxes, conversations. */

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export const OAUTH_CONNECTION_STATUSES = ['connected', 'needs_reconnection'] as const;
export type OAuthConnectionStatus = (typeof OAUTH_CONNECTION_STATUSES)[number];

/** A started "Connect": the state travels to the provider and back; only its hash is kept. */
export interface OAuthConnectStatesTable {
  state_hash: string;
  organisation_id: string;
  workspace_id: string;
  user_id: string;
  provider: string;
  /** What to make of the connection once it exists (e.g. `{ "kind": "channel", "name": "Support" }`). */
  purpose: Json<Record<string, unknown>>;
  return_to: string;
  code_verifier_ciphertext: string;
  key_version: string;
  expires_at: Timestamp;
  created_at: CreatedAt;
}

export interface OAuthConnectionsTable {
  id: Generated<string>;
  organisation_id: string;
  workspace_id: string;
  provider: string;
  /** Who uses it: 'channel', 'app'… */
  purpose: string;
  /** "Connected as": the account's email address (or name) at the provider. */
  account: string | null;
  scopes: ColumnType<string[], string[] | undefined, string[]>;
  access_token_ciphertext: string;
  refresh_token_ciphertext: string | null;
  key_version: string;
  access_expires_at: Timestamp | null;
  status: Generated<OAuthConnectionStatus>;
  failure_reason: string | null;
  failing_since: Timestamp | null;
  last_refreshed_at: Timestamp | null;
  connected_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export const CHANNEL_KINDS = ['gmail', 'outlook', 'smtp', 'twilio_sms', 'twilio_voice'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export const CHANNEL_STATUSES = ['active', 'failing'] as const;
export type ChannelStatus = (typeof CHANNEL_STATUSES)[number];

export interface ChannelsTable {
  id: Generated<string>;
  organisation_id: string;
  workspace_id: string;
  kind: ChannelKind;
  name: string;
  /** The email address or E.164 number the channel sends from and receives at. */
  address: string;
  oauth_connection_id: string | null;
  /** Settings that are not secret (SMTP host, port, TLS mode, user; Twilio Account SID). */
  settings: Json<Record<string, unknown>>;
  /** The SMTP password or the Twilio Auth Token, sealed. */
  secret_ciphertext: string | null;
  key_version: string | null;
  status: Generated<ChannelStatus>;
  failure_reason: string | null;
  failing_since: Timestamp | null;
  last_checked_at: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export const ASSIGNMENT_RULES = ['round_robin', 'load_balanced', 'manual'] as const;
export type AssignmentRule = (typeof ASSIGNMENT_RULES)[number];

export interface InboxesTable {
  id: Generated<string>;
  organisation_id: string;
  workspace_id: string;
  name: string;
  email_address: string | null;
  assignment: Generated<AssignmentRule>;
  agent_cap: number | null;
  /** How many conversations round-robin has handed out: the next goes to agent number (this mod agents). */
  round_robin_next: ColumnType<string, number | string | undefined, number | string>;
  /** `{ "mon": { "open": "09:00", "close": "17:00" }, … }`; a missing day is closed; null: always open. */
  business_hours: Json<Record<string, { open: string; close: string }> | null> | null;
  out_of_office_message: string | null;
  sla_first_response_minutes: number | null;
  sla_next_response_minutes: number | null;
  sla_resolution_minutes: number | null;
  sla_business_hours_only: Generated<boolean>;
  csat_enabled: Generated<boolean>;
  csat_question: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface InboxChannelsTable {
  workspace_id: string;
  inbox_id: string;
  channel_id: string;
}

export interface InboxAgentsTable {
  workspace_id: string;
  inbox_id: string;
  user_id: string;
  added_at: CreatedAt;
}

export const CONVERSATION_STATUSES = ['open', 'resolved'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

export interface ConversationsTable {
  id: Generated<string>;
  organisation_id: string;
  workspace_id: string;
  inbox_id: string;
  contact_id: string;
  channel_id: string | null;
  status: Generated<ConversationStatus>;
  assignee_user_id: string | null;
  subject: string | null;
  last_message_at: Generated<Date>;
  first_response_due_at: Timestamp | null;
  next_response_due_at: Timestamp | null;
  resolution_due_at: Timestamp | null;
  first_responded_at: Timestamp | null;
  /** The contact's oldest message still without a reply (null: the last word was ours). */
  awaiting_reply_since: Timestamp | null;
  resolved_at: Timestamp | null;
  out_of_office_sent_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface ConversationMessagesTable {
  id: Generated<string>;
  organisation_id: string;
  conversation_id: string;
  direction: 'inbound' | 'outbound';
  kind: Generated<'message' | 'out_of_office' | 'csat'>;
  body: string;
  author_user_id: string | null;
  external_id: string | null;
  delivery: 'received' | 'pending' | 'sent' | 'failed';
  failure: string | null;
  created_at: CreatedAt;
}

export interface ChannelsTables {
  oauth_connect_states: OAuthConnectStatesTable;
  oauth_connections: OAuthConnectionsTable;
  channels: ChannelsTable;
  inboxes: InboxesTable;
  inbox_channels: InboxChannelsTable;
  inbox_agents: InboxAgentsTable;
  conversations: ConversationsTable;
  conversation_messages: ConversationMessagesTable;
}
