import type { ColumnType } from 'kysely';

/**
 * Tables of migrations/0015_data_rights.ts: a person's rights (export, erasure). They join
 * `Database` (schema.ts) by declaration merging below, so this file and schema.ts change apart.
 */

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

/** An erased person's address, as HMAC-SHA256(server key, "organisation id:address"); nothing else. */
export interface SuppressedAddressesTable {
  organisation_id: string;
  address_hash: Buffer;
  suppressed_at: CreatedAt;
}

/** What an erased person's campaign_recipients rows counted, by final state. */
export interface CampaignErasedRecipientsTable {
  campaign_id: string;
  state: 'sent' | 'failed' | 'skipped_opted_out';
  recipients: number;
}

declare module './schema.js' {
  interface Database {
    suppressed_addresses: SuppressedAddressesTable;
    campaign_erased_recipients: CampaignErasedRecipientsTable;
  }
}
