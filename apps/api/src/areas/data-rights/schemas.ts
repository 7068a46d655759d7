import { CONSENT_SOURCES, RECIPIENT_STATES, WORKSPACE_SUBSCRIPTIONS } from '@steward/db';
import { z } from 'zod';
import { contactOutput, contactTargetInput } from '../records/schemas.js';

export const exportPersonalDataInput = contactTargetInput;

export const eraseContactInput = contactTargetInput.extend({
  /**
   * What the erasure answers, for the audit log: e.g. "Request of 12 May by email, ticket 4521".
   * It must not name the person (it is refused when it holds their address or name).
   */
  request: z.string().trim().min(3, 'Say which request this erasure answers (e.g. its date and ticket), without naming the person.').max(300, 'At most 300 characters.'),
});

const value = z.object({
  key: z.string(),
  label: z.string(),
  /** Select values as their option labels. */
  value: z.unknown(),
});

export const personalDataOutput = z.object({
  /** Always `steward.personal-data/1`: what this document is, for whoever reads the file later. */
  format: z.literal('steward.personal-data/1'),
  exportedAt: z.date(),
  organisation: z.object({ id: z.string(), name: z.string() }),
  /**
   * False when the person is also known to workspaces the caller cannot read (or has values only
   * the global workspace sees): those parts are left out, and an organisation admin's export is complete.
   */
  complete: z.boolean(),
  person: contactOutput.pick({ id: true, firstName: true, lastName: true, email: true, phone: true, country: true, language: true, createdAt: true, updatedAt: true }).extend({
    /** When they asked for nothing from anyone; null when they did not. */
    globallyUnsubscribedAt: z.date().nullable(),
    values: z.array(value),
  }),
  workspaces: z.array(
    z.object({
      workspaceId: z.string(),
      name: z.string(),
      linkedAt: z.date(),
      assignee: z.object({ userId: z.string(), name: z.string().nullable() }).nullable(),
      subscription: z.enum(WORKSPACE_SUBSCRIPTIONS),
      values: z.array(value),
      categories: z.array(z.object({ categoryId: z.string(), name: z.string(), status: z.enum(['subscribed', 'unsubscribed']), since: z.date() })),
    }),
  ),
  consentHistory: z.array(
    z.object({
      occurredAt: z.date(),
      level: z.enum(['global', 'workspace', 'category']),
      workspaceId: z.string().nullable(),
      workspaceName: z.string().nullable(),
      categoryId: z.string().nullable(),
      categoryName: z.string().nullable(),
      previous: z.string().nullable(),
      status: z.string(),
      source: z.enum(CONSENT_SOURCES),
    }),
  ),
  campaigns: z.array(
    z.object({
      campaignId: z.string(),
      name: z.string(),
      subject: z.string(),
      workspaceId: z.string(),
      workspaceName: z.string(),
      categoryName: z.string(),
      /** How far this person's email got. */
      state: z.enum(RECIPIENT_STATES),
      error: z.string().nullable(),
      updatedAt: z.date(),
    }),
  ),
});
export type PersonalData = z.infer<typeof personalDataOutput>;

export const erasedOutput = z.object({
  contactId: z.string(),
  erased: z.literal(true),
  /** Whether the address is now on the suppression list (false for a person without an address). */
  suppressed: z.boolean(),
  removed: z.object({
    workspaces: z.number(),
    consentHistoryEntries: z.number(),
    campaignRecipients: z.number(),
    importRejectedRows: z.number(),
    auditEntriesRedacted: z.number(),
    devOutboxEmails: z.number(),
    /** Webhook events about them whose payload was removed (and deliveries not yet made cancelled). */
    webhookEvents: z.number(),
  }),
});
