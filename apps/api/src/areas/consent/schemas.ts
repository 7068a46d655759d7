import { CATEGORY_CHOICES, CONSENT_SOURCES, WORKSPACE_SUBSCRIPTIONS } from '@steward/db';
import { z } from 'zod';
import { contactTargetInput, filterSchema } from '../records/schemas.js';

export const workspaceSubscriptionSchema = z.enum(WORKSPACE_SUBSCRIPTIONS);
export const categoryChoiceSchema = z.enum(CATEGORY_CHOICES);
export const consentSourceSchema = z.enum(CONSENT_SOURCES);

// --- categories ----------------------------------------------------------------------------------

const name = z.string().trim().min(1, 'Enter a name.').max(100, 'A name is at most 100 characters.');
const description = z.string().trim().max(500, 'A description is at most 500 characters.');

export const categoryTargetInput = z.object({ categoryId: z.uuid('categoryId must be a UUID') });

export const createCategoryInput = z.object({
  name,
  description: description.nullable().optional(),
  /** Whether contacts who made no choice receive this category (off by default). */
  subscribedByDefault: z.boolean().default(false),
});

export const updateCategoryInput = categoryTargetInput.extend({
  name: name.optional(),
  description: description.nullable().optional(),
  subscribedByDefault: z.boolean().optional(),
});

export const reorderCategoriesInput = z.object({
  /** Categories in their new order (positions 0, 1, 2…); categories not listed keep their position. */
  categoryIds: z
    .array(z.uuid())
    .min(1)
    .max(500)
    .refine((ids) => new Set(ids).size === ids.length, 'Each category can be listed only once.'),
});

export const categoryOutput = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  subscribedByDefault: z.boolean(),
  position: z.number(),
  archived: z.boolean(),
  archivedAt: z.date().nullable(),
  /** Whether any contact's consent (now or in history) names the category: it can then only be archived. */
  inUse: z.boolean(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export const categoryListOutput = z.array(categoryOutput);
export const deletedCategoryOutput = z.object({ categoryId: z.string(), deleted: z.literal(true) });

// --- consent -------------------------------------------------------------------------------------

export const setConsentInput = contactTargetInput.extend({
  /** The person's global unsubscribe: true = nothing from any workspace; false lifts it (admins only). */
  globallyUnsubscribed: z.boolean().optional(),
  /** The switch on the person's link to this workspace. */
  workspace: workspaceSubscriptionSchema.optional(),
  /** Choices for this workspace's categories. */
  categories: z
    .array(z.object({ categoryId: z.uuid(), status: categoryChoiceSchema }))
    .max(200)
    .refine((list) => new Set(list.map((c) => c.categoryId)).size === list.length, 'Each category can be listed only once.')
    .optional(),
});

/** One change applied to every contact matching the filters (admins). */
export const bulkConsentChange = z.discriminatedUnion('level', [
  z.object({ level: z.literal('global'), globallyUnsubscribed: z.boolean() }),
  z.object({ level: z.literal('workspace'), status: workspaceSubscriptionSchema }),
  z.object({ level: z.literal('category'), categoryId: z.uuid(), status: categoryChoiceSchema }),
]);
export type BulkConsentChange = z.infer<typeof bulkConsentChange>;

export const bulkSetConsentInput = z.object({
  /** The contacts list's filters (records/filters.ts); an empty list means every contact of the workspace. */
  filters: z.array(filterSchema).max(20),
  change: bulkConsentChange,
});
export const bulkSetConsentOutput = z.object({ matched: z.number(), changed: z.number() });

/** Why a contact does or does not receive a category, the first level that decides. */
export const CONSENT_REASONS = [
  'globally_unsubscribed',
  'not_linked',
  'workspace_unsubscribed',
  'category_unsubscribed',
  'category_subscribed',
  'default_subscribed',
  'default_not_subscribed',
] as const;
export type ConsentReason = (typeof CONSENT_REASONS)[number];

export const consentOutput = z.object({
  contactId: z.string(),
  globallyUnsubscribed: z.boolean(),
  globallyUnsubscribedAt: z.date().nullable(),
  workspace: workspaceSubscriptionSchema,
  categories: z.array(
    z.object({
      categoryId: z.string(),
      name: z.string(),
      archived: z.boolean(),
      subscribedByDefault: z.boolean(),
      /** The person's own choice; null when they made none (the default applies). */
      choice: categoryChoiceSchema.nullable(),
      /** Whether a campaign of this category would reach them now. */
      receives: z.boolean(),
      reason: z.enum(CONSENT_REASONS),
    }),
  ),
});

export const consentHistoryInput = contactTargetInput.extend({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** The last entry id of the previous page. */
  before: z
    .string()
    .regex(/^\d{1,18}$/, 'before must be an entry id')
    .optional(),
});

export const consentHistoryOutput = z.object({
  entries: z.array(
    z.object({
      id: z.string(),
      occurredAt: z.date(),
      level: z.enum(['global', 'workspace', 'category']),
      categoryId: z.string().nullable(),
      categoryName: z.string().nullable(),
      previous: z.string().nullable(),
      status: z.string(),
      source: consentSourceSchema,
      actorUserId: z.string().nullable(),
      actorName: z.string().nullable(),
      actorEmail: z.string().nullable(),
      actorApiKeyId: z.string().nullable(),
    }),
  ),
  nextBefore: z.string().nullable(),
});
