import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { ChannelsTables } from './channels-schema.js';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export const ORG_ROLES = ['admin', 'billing_admin', 'user_admin', 'member'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export const WORKSPACE_ROLES = ['viewer', 'member', 'admin'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  avatar_url: string | null;
  created_at: CreatedAt;
  last_sign_in_at: Timestamp | null;
}

/** An external identity, keyed by issuer and subject, never by email (SPEC §5). */
export interface OAuthAccountsTable {
  issuer: string;
  subject: string;
  user_id: string;
  email: string;
  created_at: CreatedAt;
}

/** `id` is the SHA-256 of the cookie token; the token itself is never stored. */
export interface SessionsTable {
  id: string;
  user_id: string;
  expires_at: Timestamp;
  created_at: CreatedAt;
}

export interface OrganisationsTable {
  id: Generated<string>;
  name: string;
  created_at: CreatedAt;
  /** Raised by a trigger on every change to the organisation's field definitions. */
  field_definitions_version: Generated<number>;
  /** The plan whose limits apply (migrations/0018_organisations_billing.ts). */
  plan_id: Generated<string>;
  billing_email: string | null;
  billing_address: string | null;
  tax_id: string | null;
  logo: Buffer | null;
  logo_content_type: LogoContentType | null;
  logo_updated_at: Timestamp | null;
  /** Set while the organisation waits for its purge: members have no access, admins may restore it. */
  deletion_requested_at: Timestamp | null;
  deletion_requested_by: string | null;
  purge_after: Timestamp | null;
}

/** Plans and their limits as data; 0 means unlimited. */
export interface PlansTable {
  id: string;
  name: string;
  rank: number;
  seats: number;
  workspaces: number;
  contacts: number;
  emails_per_month: number;
  /** The billing provider's price (a Stripe lookup key); null when not sold online. */
  price_lookup_key: string | null;
  monthly_price_cents: number | null;
  currency: string | null;
  contact_sales: Generated<boolean>;
}

/** The organisation's subscription as the billing provider last described it. */
export interface BillingSubscriptionsTable {
  organisation_id: string;
  provider: string;
  customer_id: string;
  subscription_id: string | null;
  plan_id: string | null;
  status: string | null;
  cancel_at_period_end: Generated<boolean>;
  current_period_end: Timestamp | null;
  payment_method: string | null;
  updated_at: Generated<Date>;
}

/** A billing provider's event, kept by its id so that it is applied once. */
export interface BillingEventsTable {
  event_id: string;
  type: string;
  organisation_id: string | null;
  received_at: CreatedAt;
  processed_at: Timestamp | null;
}

export interface WorkspacesTable {
  id: Generated<string>;
  organisation_id: string;
  kind: 'global' | 'chapter';
  name: string;
  slug: string;
  default_language: Generated<string>;
  timezone: Generated<string>;
  date_format: Generated<'DD/MM/YYYY' | 'MM/DD/YYYY'>;
  logo: Buffer | null;
  logo_content_type: LogoContentType | null;
  logo_updated_at: Timestamp | null;
  created_at: CreatedAt;
  /** The From name of the workspace's campaigns (null: the server's). */
  email_sender_name: string | null;
}

export const LOGO_CONTENT_TYPES = ['image/png', 'image/jpeg', 'image/svg+xml'] as const;
export type LogoContentType = (typeof LOGO_CONTENT_TYPES)[number];

export interface WorkspaceSlugRedirectsTable {
  organisation_id: string;
  slug: string;
  workspace_id: string;
  created_at: CreatedAt;
}

/** Custom values by field key, as stored (jsonb); written as a JSON string. */
export type FieldValues = Record<string, unknown>;
type JsonValues = ColumnType<FieldValues, string | undefined, string>;

/** A person of the organisation; workspaces see them through `contact_workspaces`. */
export interface ContactsTable {
  id: Generated<string>;
  organisation_id: string;
  first_name: Generated<string>;
  last_name: Generated<string>;
  /** Lowercased; unique in the organisation when present. */
  email: string | null;
  phone: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string | null;
  language: string | null;
  created_in_workspace_id: string | null;
  /** Core and global-internal custom values. */
  field_values: JsonValues;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  /** The person's global unsubscribe (nothing from any workspace), when set. */
  unsubscribed_at: Timestamp | null;
}

/** A contact as one workspace knows them: that workspace's assignee and own field values. */
export interface ContactWorkspacesTable {
  workspace_id: string;
  contact_id: string;
  organisation_id: string;
  assignee_user_id: string | null;
  field_values: JsonValues;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  /** The workspace switch of consent (migrations/0011_consent.ts). */
  subscription: Generated<WorkspaceSubscription>;
}

export const WORKSPACE_SUBSCRIPTIONS = ['subscribed', 'unsubscribed', 'neutral'] as const;
export type WorkspaceSubscription = (typeof WORKSPACE_SUBSCRIPTIONS)[number];
export const CATEGORY_CHOICES = ['subscribed', 'unsubscribed'] as const;
export type CategoryChoice = (typeof CATEGORY_CHOICES)[number];
export const CONSENT_SOURCES = ['console', 'import', 'api', 'unsubscribe_link', 'provider_webhook'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];
export type ConsentLevel = 'global' | 'workspace' | 'category';

export interface EmailCategoriesTable {
  id: Generated<string>;
  organisation_id: string;
  workspace_id: string;
  name: string;
  description: string | null;
  subscribed_by_default: Generated<boolean>;
  position: Generated<number>;
  archived_at: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

/** A person's choice for one category; no row means the category's default. */
export interface ContactCategoriesTable {
  category_id: string;
  contact_id: string;
  organisation_id: string;
  status: CategoryChoice;
  updated_at: Generated<Date>;
}

/** Append-only (a trigger refuses updates and deletes): every change of consent at any level. */
export interface ConsentHistoryTable {
  id: Generated<string>;
  occurred_at: CreatedAt;
  organisation_id: string;
  contact_id: string;
  workspace_id: string | null;
  category_id: string | null;
  level: ConsentLevel;
  previous: string | null;
  status: string;
  source: ConsentSource;
  actor_user_id: string | null;
  actor_api_key_id: string | null;
}

export const CAMPAIGN_STATES = ['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled', 'failed'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];
export const RECIPIENT_STATES = ['pending', 'sending', 'sent', 'failed', 'skipped_opted_out'] as const;
export type RecipientState = (typeof RECIPIENT_STATES)[number];

/** An email of one category to a workspace's contacts (migrations/0012_campaigns.ts). */
export interface CampaignsTable {
  id: Generated<string>;
  organisation_id: string;
  workspace_id: string;
  name: string;
  subject: Generated<string>;
  html_body: Generated<string>;
  text_body: Generated<string>;
  category_id: string;
  /** The contacts list's filters (records/filters.ts), as JSON. */
  filters: ColumnType<unknown, string | undefined, string>;
  state: Generated<CampaignState>;
  scheduled_at: Timestamp | null;
  throttled_until: Timestamp | null;
  failure_reason: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

/** A bulk request MailerSend accepted; `checked_at` once its status has been read back. */
export interface CampaignBulksTable {
  campaign_id: string;
  bulk_id: string;
  size: number;
  created_at: CreatedAt;
  checked_at: Timestamp | null;
}

/** A campaign's audience frozen at send time (migrations/0021_campaign_audiences.ts): contact ids, 16 bytes each, expanded into campaign_recipients a slice at a time. */
export interface CampaignAudiencesTable {
  campaign_id: string;
  size: number;
  expanded: Generated<number>;
  recipients: Buffer | null;
  created_at: CreatedAt;
}

/** A provider's webhook event already acted on (migrations/0014_unsubscribe.ts): no address kept. */
export interface ProviderWebhookEventsTable {
  provider: string;
  event_id: string;
  received_at: CreatedAt;
}

/** When the next bulk request of a MailerSend account may go (shared by every worker). */
export interface MailerSendBulkSlotsTable {
  /** A SHA-256 of the API key, never the key. */
  account: string;
  next_at: Timestamp;
}

/** The audience frozen at send time: one row per person, with how far their email got. */
export interface CampaignRecipientsTable {
  campaign_id: string;
  contact_id: string;
  email: string;
  state: Generated<RecipientState>;
  batch_id: string | null;
  provider_bulk_id: string | null;
  batch_position: number | null;
  error: string | null;
  updated_at: Generated<Date>;
}

export const FIELD_ENTITIES = ['contact', 'company', 'deal'] as const;
export type FieldEntity = (typeof FIELD_ENTITIES)[number];
export const FIELD_SCOPES = ['core', 'global_internal', 'workspace'] as const;
export type FieldScope = (typeof FIELD_SCOPES)[number];
export const FIELD_TYPES = ['text', 'number', 'date', 'secondary_email', 'url', 'select', 'multi_select', 'boolean'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
export interface FieldOption {
  id: string;
  label: string;
  archived: boolean;
}
export type FieldIndexStatus = 'none' | 'building' | 'ready' | 'failed';

export interface FieldDefinitionsTable {
  id: Generated<string>;
  organisation_id: string;
  entity: FieldEntity;
  scope: FieldScope;
  /** Set exactly for workspace-scoped fields. */
  workspace_id: string | null;
  /** Immutable, never reused in the organisation (see `field_keys`). */
  key: string;
  label: string;
  description: string | null;
  type: FieldType;
  required: Generated<boolean>;
  position: Generated<number>;
  options: ColumnType<FieldOption[], string | undefined, string>;
  index_status: Generated<FieldIndexStatus>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

/** Every field key an organisation ever generated, so that none is reused. */
export interface FieldKeysTable {
  organisation_id: string;
  key: string;
  created_at: CreatedAt;
}

export interface CompaniesTable {
  id: Generated<string>;
  organisation_id: string;
  workspace_id: string;
  name: string;
  domain: string | null;
  field_values: JsonValues;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface DealsTable {
  id: Generated<string>;
  organisation_id: string;
  workspace_id: string;
  name: string;
  /** numeric(18,2), read as a string by pg. */
  amount: ColumnType<string | null, string | number | null, string | number | null>;
  currency: string | null;
  company_id: string | null;
  owner_user_id: string | null;
  /** A stage of the deal's own workspace (a composite foreign key). */
  stage_id: string | null;
  field_values: JsonValues;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export const PIPELINE_STAGE_KINDS = ['open', 'won', 'lost'] as const;
export type PipelineStageKind = (typeof PIPELINE_STAGE_KINDS)[number];

/** A stage of a workspace's deal pipeline; positions are unique in a workspace (a deferred constraint). */
export interface PipelineStagesTable {
  id: Generated<string>;
  organisation_id: string;
  workspace_id: string;
  name: string;
  probability: number;
  kind: PipelineStageKind;
  position: number;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export const CONTACT_IMPORT_STATES = ['uploading', 'uploaded', 'queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type ContactImportState = (typeof CONTACT_IMPORT_STATES)[number];

/** A CSV import of contacts into one workspace: the file's shape, the mapping, and committed progress. */
export interface ContactImportsTable {
  id: Generated<string>;
  organisation_id: string;
  workspace_id: string;
  created_by: string | null;
  api_key_id: string | null;
  file_name: string;
  file_bytes: Generated<number>;
  delimiter: Generated<',' | ';' | '\t'>;
  /** The header row's cells. */
  headers: ColumnType<string[], string | undefined, string>;
  total_rows: Generated<number>;
  /** One target per column (null: ignored); set when the import starts. */
  mapping: ColumnType<unknown, string | null | undefined, string | null>;
  state: ContactImportState;
  failure_reason: string | null;
  /** Data rows whose outcome is committed. */
  processed_rows: Generated<number>;
  created_count: Generated<number>;
  updated_count: Generated<number>;
  linked_count: Generated<number>;
  rejected_count: Generated<number>;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  updated_at: Generated<Date>;
}

/** The uploaded file, in order, in pieces of about a megabyte. */
export interface ContactImportChunksTable {
  import_id: string;
  seq: number;
  data: Buffer;
}

/** A row the import refused: its original cells and why. */
export interface ContactImportRejectionsTable {
  import_id: string;
  row_number: number;
  cells: ColumnType<string[], string, string>;
  error: string;
}

export interface DevOutboxTable {
  id: Generated<string>;
  organisation_id: string | null;
  to_email: string;
  subject: string;
  text: string;
  html: string;
  created_at: CreatedAt;
}

export interface MembershipsTable {
  organisation_id: string;
  user_id: string;
  org_role: OrgRole;
  created_at: CreatedAt;
}

export interface WorkspaceMembershipsTable {
  workspace_id: string;
  user_id: string;
  organisation_id: string;
  role: WorkspaceRole;
  created_at: CreatedAt;
}

export interface InvitationsTable {
  id: Generated<string>;
  organisation_id: string;
  email: string;
  org_role: OrgRole;
  /** SHA-256 of the link token; null until the email job mints one, and for sign-in grants. */
  token_hash: string | null;
  workspace_roles: ColumnType<
    { workspaceId: string; role: WorkspaceRole }[],
    string,
    string
  >;
  invited_by: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  revoked_at: Timestamp | null;
  kind: Generated<'link' | 'sign_in_grant'>;
  email_status: Generated<InvitationEmailStatus>;
  email_error: string | null;
  email_sent_at: Timestamp | null;
}

export type InvitationEmailStatus = 'queued' | 'sent' | 'retrying' | 'failed' | 'none';

export const API_KEY_SCOPES = ['read', 'read_write', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKeysTable {
  id: Generated<string>;
  organisation_id: string;
  user_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  scope: Generated<ApiKeyScope>;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  created_at: CreatedAt;
  /** Set when the key is restricted to one workspace: it then reaches nothing else. */
  workspace_id: Generated<string | null>;
}

export const AI_PROVIDERS = ['openai', 'anthropic', 'openai_compatible'] as const;
export type AiProvider = (typeof AI_PROVIDERS)[number];

/** The AI platform of an organisation (workspace_id null) or a workspace's override; the key sealed. */
export interface AiSettingsTable {
  id: Generated<string>;
  organisation_id: string;
  workspace_id: string | null;
  provider: AiProvider;
  model: string;
  base_url: string | null;
  ciphertext: string | null;
  key_version: string | null;
  updated_by: string | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface AuditLogTable {
  id: Generated<number>;
  occurred_at: CreatedAt;
  organisation_id: string;
  workspace_id: string | null;
  actor_user_id: string | null;
  actor_email: string | null;
  actor_api_key_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  before: ColumnType<unknown, string | null, never>;
  after: ColumnType<unknown, string | null, never>;
  request_id: string | null;
  ip: string | null;
}

export interface IntegrationSettingsTable {
  organisation_id: string;
  provider: string;
  setting: string;
  value: string | null;
  ciphertext: string | null;
  key_version: string | null;
  updated_by: string | null;
  updated_at: Timestamp;
}

/** The channels of the notification catalogue (apps/api/src/areas/notifications/catalogue.ts). */
type NotificationChannelValue = 'in_app' | 'email' | 'both' | 'off';

/** One event for one recipient (migrations/0016_notifications.ts); delivered by a job. */
export interface NotificationsTable {
  id: Generated<string>;
  organisation_id: string;
  workspace_id: string | null;
  user_id: string;
  event: string;
  payload: ColumnType<unknown, string, never>;
  dedupe_key: string | null;
  state: Generated<'pending' | 'delivered' | 'skipped'>;
  channel: NotificationChannelValue | null;
  in_app: Generated<boolean>;
  email_state: Generated<'none' | 'pending' | 'sent' | 'failed'>;
  email_error: string | null;
  read_at: Timestamp | null;
  created_at: CreatedAt;
  delivered_at: Timestamp | null;
}

/** A person's choice of channel for one event, per organisation and workspace (null: organisation-wide). */
export interface NotificationPreferencesTable {
  user_id: string;
  organisation_id: string;
  workspace_id: string | null;
  event: string;
  channel: NotificationChannelValue;
  updated_at: Generated<Date>;
}

export interface Database extends ChannelsTables {
  users: UsersTable;
  oauth_accounts: OAuthAccountsTable;
  sessions: SessionsTable;
  organisations: OrganisationsTable;
  plans: PlansTable;
  billing_subscriptions: BillingSubscriptionsTable;
  billing_events: BillingEventsTable;
  workspaces: WorkspacesTable;
  memberships: MembershipsTable;
  workspace_memberships: WorkspaceMembershipsTable;
  invitations: InvitationsTable;
  workspace_slug_redirects: WorkspaceSlugRedirectsTable;
  contacts: ContactsTable;
  contact_workspaces: ContactWorkspacesTable;
  email_categories: EmailCategoriesTable;
  contact_categories: ContactCategoriesTable;
  consent_history: ConsentHistoryTable;
  campaigns: CampaignsTable;
  campaign_recipients: CampaignRecipientsTable;
  campaign_bulks: CampaignBulksTable;
  campaign_audiences: CampaignAudiencesTable;
  mailersend_bulk_slots: MailerSendBulkSlotsTable;
  provider_webhook_events: ProviderWebhookEventsTable;
  field_definitions: FieldDefinitionsTable;
  field_keys: FieldKeysTable;
  companies: CompaniesTable;
  deals: DealsTable;
  pipeline_stages: PipelineStagesTable;
  contact_imports: ContactImportsTable;
  contact_import_chunks: ContactImportChunksTable;
  contact_import_rejections: ContactImportRejectionsTable;
  dev_outbox: DevOutboxTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  integration_settings: IntegrationSettingsTable;
  ai_settings: AiSettingsTable;
  notifications: NotificationsTable;
  notification_preferences: NotificationPreferencesTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Workspace = Selectable<WorkspacesTable>;
export type Organisation = Selectable<OrganisationsTable>;
