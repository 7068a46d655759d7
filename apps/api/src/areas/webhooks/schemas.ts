import { WEBHOOK_DELIVERY_STATES } from '@steward/db';
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from './events.js';

export const MAX_SUBSCRIPTIONS_PER_WORKSPACE = 20;

export const webhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);
const url = z.string().trim().min(1, 'Enter the URL to deliver to.').max(2000, 'A webhook URL is at most 2,000 characters.');
const description = z.string().trim().max(200, 'A description is at most 200 characters.').nullable();
const events = z
  .array(webhookEventTypeSchema)
  .min(1, 'Choose at least one event.')
  .max(WEBHOOK_EVENT_TYPES.length)
  .transform((list) => [...new Set(list)]);

export const subscriptionTargetInput = z.object({ subscriptionId: z.uuid('subscriptionId must be a UUID') });
export const createSubscriptionInput = z.object({ url, description: description.optional(), events });
export const updateSubscriptionInput = subscriptionTargetInput.extend({
  url: url.optional(),
  description: description.optional(),
  events: events.optional(),
  /** Turning a webhook back on clears its failure count. */
  enabled: z.boolean().optional(),
});
export const redeliverInput = subscriptionTargetInput.extend({ deliveryId: z.uuid('deliveryId must be a UUID') });
export const redeliveredOutput = z.object({ deliveryId: z.string(), state: z.literal('pending') });
export const listDeliveriesInput = subscriptionTargetInput.extend({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().max(100).optional(),
});

export const subscriptionOutput = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  disabledAt: z.date().nullable(),
  disabledReason: z.string().nullable(),
  consecutiveFailures: z.number(),
  lastSuccessAt: z.date().nullable(),
  lastFailureAt: z.date().nullable(),
  /** The signing secret's last four characters; the secret itself is shown once, at creation or rotation. */
  secretHint: z.string(),
  createdAt: z.date(),
});
export const subscriptionListOutput = z.object({ subscriptions: z.array(subscriptionOutput) });
/** The only answers that carry the signing secret. */
export const subscriptionWithSecretOutput = z.object({ subscription: subscriptionOutput, secret: z.string() });
export const deletedSubscriptionOutput = z.object({ subscriptionId: z.string() });

const attemptOutput = z.object({
  attempt: z.number(),
  startedAt: z.date(),
  durationMs: z.number(),
  responseStatus: z.number().nullable(),
  responseExcerpt: z.string().nullable(),
  error: z.string().nullable(),
});
export const deliveryOutput = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  state: z.enum(WEBHOOK_DELIVERY_STATES),
  isTest: z.boolean(),
  attempts: z.number(),
  lastStatus: z.number().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.date().nullable(),
  deliveredAt: z.date().nullable(),
  createdAt: z.date(),
  attemptLog: z.array(attemptOutput),
});
export const deliveryListOutput = z.object({ deliveries: z.array(deliveryOutput), nextCursor: z.string().nullable() });

export const testEventOutput = z.object({
  ok: z.boolean(),
  status: z.number().nullable(),
  durationMs: z.number(),
  message: z.string(),
  deliveryId: z.string(),
});

export const eventCatalogueOutput = z.object({
  events: z.array(z.object({ type: z.string(), label: z.string(), description: z.string(), example: z.record(z.string(), z.unknown()) })),
  signatureHeader: z.string(),
});
