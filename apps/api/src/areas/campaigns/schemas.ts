import { CAMPAIGN_STATES, RECIPIENT_STATES } from '@steward/db';
import { z } from 'zod';
import { filterSchema } from '../records/schemas.js';

export const campaignStateSchema = z.enum(CAMPAIGN_STATES);
export const recipientStateSchema = z.enum(RECIPIENT_STATES);

export const campaignTargetInput = z.object({ campaignId: z.uuid('campaignId must be a UUID') });

const name = z.string().trim().min(1, 'Enter a name.').max(200, 'A name is at most 200 characters.');
const subject = z.string().trim().max(300, 'A subject is at most 300 characters.');
const body = z.string().max(500_000, 'A body is at most 500,000 characters.');
const filters = z.array(filterSchema).max(20);

export const createCampaignInput = z.object({
  name,
  subject: subject.default(''),
  htmlBody: body.default(''),
  textBody: body.default(''),
  categoryId: z.uuid('categoryId must be a UUID'),
  /** The contacts list's filters (records/filters.ts); empty: everyone of the workspace who receives the category. */
  filters: filters.default([]),
});

export const updateCampaignInput = campaignTargetInput.extend({
  name: name.optional(),
  subject: subject.optional(),
  htmlBody: body.optional(),
  textBody: body.optional(),
  categoryId: z.uuid('categoryId must be a UUID').optional(),
  filters: filters.optional(),
});

export const listCampaignsInput = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** The last campaign id of the previous page (its `nextCursor`). */
  cursor: z.uuid().optional(),
});

export const audienceInput = z.object({
  categoryId: z.uuid('categoryId must be a UUID'),
  filters: filters.default([]),
});

/** A local date and time in the workspace's time zone, e.g. 2026-12-01T09:30. */
const localDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'Give the time as YYYY-MM-DDTHH:MM, in the workspace time zone.');

export const sendCampaignInput = campaignTargetInput.extend({
  /** Omitted: send now. Otherwise the local time in the workspace's time zone. */
  at: localDateTime.optional(),
});

export const campaignOutput = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  subject: z.string(),
  htmlBody: z.string(),
  textBody: z.string(),
  categoryId: z.string(),
  categoryName: z.string(),
  filters: filters,
  state: campaignStateSchema,
  /** When a scheduled campaign starts (UTC). */
  scheduledAt: z.date().nullable(),
  /** The workspace's time zone, in which `at` is read. */
  timezone: z.string(),
  throttledUntil: z.date().nullable(),
  failureReason: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
});
export const campaignListOutput = z.object({ campaigns: z.array(campaignOutput), nextCursor: z.string().nullable() });
export const deletedCampaignOutput = z.object({ campaignId: z.string(), deleted: z.literal(true) });

export const audienceOutput = z.object({ count: z.number() });

export const campaignProgressOutput = z.object({
  campaignId: z.string(),
  state: campaignStateSchema,
  throttledUntil: z.date().nullable(),
  failureReason: z.string().nullable(),
  total: z.number(),
  pending: z.number(),
  sending: z.number(),
  sent: z.number(),
  failed: z.number(),
  skipped: z.number(),
});

export const mergeFieldsOutput = z.array(z.object({ name: z.string(), description: z.string() }));

export const listRecipientsInput = campaignTargetInput.extend({
  state: recipientStateSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** The last contact id of the previous page. */
  after: z.uuid().optional(),
});
export const recipientListOutput = z.object({
  recipients: z.array(
    z.object({
      contactId: z.string(),
      email: z.string(),
      firstName: z.string(),
      lastName: z.string(),
      state: recipientStateSchema,
      /** Why it failed or was skipped (the provider's reason, or the opt-out). */
      error: z.string().nullable(),
      updatedAt: z.date(),
    }),
  ),
  nextAfter: z.string().nullable(),
});
