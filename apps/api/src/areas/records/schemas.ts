import { z } from 'zod';
import { emailSchema } from '../users/schemas.js';
import { languageSchema } from '../workspaces/schemas.js';

export const MAX_BULK_ROWS = 1000;
export const MAX_PAGE = 200;

const regions = new Intl.DisplayNames(['en'], { type: 'region' });
/** ISO 3166-1 alpha-2, upper case; codes the platform does not know as a region are refused. */
export const countrySchema = z
  .string()
  .trim()
  .toUpperCase()
  .refine((code) => /^[A-Z]{2}$/.test(code) && regions.of(code) !== code, 'Use an ISO 3166-1 alpha-2 country code such as "FR" or "US".');

const name = z.string().trim().max(200, 'A name is at most 200 characters.');
const phone = z
  .string()
  .trim()
  .max(40)
  .regex(/^\+?[0-9 ()./-]{3,40}$/, 'Enter a phone number of digits, spaces and + ( ) - . / only.');

/** Custom values by field key; each value is checked against its field by records/values.ts. */
export const valuesSchema = z.record(z.string().max(64), z.unknown()).refine((v) => Object.keys(v).length <= 200, 'At most 200 values at once.');

/** A contact's built-ins and values, as sent: every attribute optional (patch semantics), null clears. */
export const contactFieldsSchema = z.object({
  firstName: name.optional(),
  lastName: name.optional(),
  email: emailSchema.nullable().optional(),
  phone: phone.nullable().optional(),
  country: countrySchema.nullable().optional(),
  language: languageSchema.nullable().optional(),
  assigneeUserId: z.uuid().nullable().optional(),
  values: valuesSchema.optional(),
});
export type ContactFields = z.infer<typeof contactFieldsSchema>;

export const contactTargetInput = z.object({ contactId: z.uuid('contactId must be a UUID') });
export const createContactInput = contactFieldsSchema;
export const updateContactInput = contactTargetInput.extend(contactFieldsSchema.shape);
export const linkContactInput = z.object({
  email: emailSchema,
  assigneeUserId: z.uuid().nullable().optional(),
  values: valuesSchema.optional(),
});

export const FILTER_OPS = ['eq', 'contains', 'gt', 'gte', 'lt', 'lte', 'between', 'set', 'notSet', 'anyOf', 'allOf'] as const;
export const filterSchema = z.object({
  /** A built-in (`firstName`, `lastName`, `email`, `phone`, `country`, `language`, `assigneeUserId`) or a field key. */
  field: z.string().min(1).max(64),
  op: z.enum(FILTER_OPS),
  value: z.unknown().optional(),
});
export type Filter = z.infer<typeof filterSchema>;

export const pageInput = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  cursor: z.string().max(200).optional(),
});
export const searchInput = pageInput.extend({ filters: z.array(filterSchema).max(20).default([]) });
export const contactSearchInput = searchInput.extend({
  /** From the global workspace only: every person of the organisation, read-only (org admins and global-role holders). */
  allWorkspaces: z.boolean().default(false),
});

export const bulkContactsInput = z.object({
  /** Matched by email: a person already in this workspace is updated, one known elsewhere in the organisation is linked, anyone else created. */
  rows: z.array(z.record(z.string(), z.unknown())).min(1).max(MAX_BULK_ROWS, `A bulk request has at most ${MAX_BULK_ROWS} rows.`),
});

const values = z.record(z.string(), z.unknown());

export const contactOutput = z.object({
  id: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  country: z.string().nullable(),
  language: z.string().nullable(),
  createdInWorkspaceId: z.string().nullable(),
  /** This workspace's assignee. */
  assigneeUserId: z.string().nullable(),
  /** Who linked the person to this workspace (created them here, or linked them). */
  createdBy: z.string().nullable(),
  /** When the person was added to this workspace. */
  createdAt: z.date(),
  updatedAt: z.date(),
  /** Custom values of the fields visible in this workspace, by key; select values are option ids. */
  values,
});

export const contactPageOutput = z.object({
  items: z.array(contactOutput),
  nextCursor: z.string().nullable(),
  total: z.number(),
  /** True when `total` is the planner's estimate (above 10,000 matches), false when exact. */
  totalIsEstimate: z.boolean(),
});

export const bulkContactsOutput = z.object({
  results: z.array(
    z.object({
      row: z.number(),
      status: z.enum(['created', 'updated', 'linked', 'error']),
      contactId: z.string().nullable(),
      errors: z.array(z.object({ field: z.string(), message: z.string() })),
    }),
  ),
  created: z.number(),
  updated: z.number(),
  linked: z.number(),
  failed: z.number(),
});

export const removedOutput = z.object({ contactId: z.string(), removed: z.enum(['fromWorkspace', 'everywhere']) });

// --- companies and deals ---------------------------------------------------------------------

export const companyFieldsSchema = z.object({
  name: z.string().trim().min(1, 'Enter a name.').max(200).optional(),
  domain: z
    .string()
    .trim()
    .toLowerCase()
    .max(253)
    .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'Enter a domain such as example.org.')
    .nullable()
    .optional(),
  values: valuesSchema.optional(),
});
export const createCompanyInput = companyFieldsSchema.extend({ name: z.string().trim().min(1, 'Enter a name.').max(200) });
export const companyTargetInput = z.object({ companyId: z.uuid('companyId must be a UUID') });
export const updateCompanyInput = companyTargetInput.extend(companyFieldsSchema.shape);
export const companyOutput = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  domain: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  values,
});

export const dealFieldsSchema = z.object({
  name: z.string().trim().min(1, 'Enter a name.').max(200).optional(),
  amount: z.number().min(0).max(1e15).nullable().optional(),
  currency: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{3}$/, 'Use an ISO 4217 currency code such as "EUR".')
    .nullable()
    .optional(),
  companyId: z.uuid().nullable().optional(),
  ownerUserId: z.uuid().nullable().optional(),
  /** A pipeline stage of this workspace; a new deal without one starts in the first open stage. */
  stageId: z.uuid('stageId must be a UUID').nullable().optional(),
  values: valuesSchema.optional(),
});
export const createDealInput = dealFieldsSchema.extend({ name: z.string().trim().min(1, 'Enter a name.').max(200) });
export const dealTargetInput = z.object({ dealId: z.uuid('dealId must be a UUID') });
export const updateDealInput = dealTargetInput.extend(dealFieldsSchema.shape);
export const dealOutput = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  amount: z.number().nullable(),
  currency: z.string().nullable(),
  companyId: z.string().nullable(),
  ownerUserId: z.string().nullable(),
  stageId: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  values,
});

export const recordPageOutput = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable(), total: z.number(), totalIsEstimate: z.boolean() });
